/**
 * Firewall → meters DOWN (csmp-protocol.md 9): the device's datagrams never reach the NMS, or the
 * NMS's never leave. Seen first in the NMS's own drop counters; failing that, in a device that
 * answers the NMS's GETs (a stateful firewall lets the answers back in) while nothing it sends
 * of its own accord ever arrived.
 */
import type { Looked } from '../facts.js';
import { conclude, type Diagnosis } from '../result.js';

/** The NMS firewall dropped datagrams from the device, or datagrams to it. */
export function firewallDropping(f: Looked<'nms'>): Diagnosis | undefined {
  const { device, firewall: port } = f.given;
  const dropped = f.nms.droppedFromDevice;
  const inbound = port.inbound !== false && dropped > 0;
  if (!inbound && !(port.outbound && port.droppedOutbound > 0)) return undefined;
  return conclude(
    f,
    'firewall',
    inbound
      ? `The NMS host firewall drops inbound CSMP (UDP ${device.port === 61624 ? '61624' : '61628'} to the NMS): ${dropped} datagram(s) from ${device.address} never reached the NMS, so registrations and reports are lost and the device goes (or stays) DOWN.`
      : `The NMS host firewall drops outbound CSMP: ${port.droppedOutbound} datagram(s) (registration responses, requests) never left the NMS, so the device keeps retrying registration.`,
    'Open the CSMP port on the NMS host firewall (inbound UDP 61628 for csmp-agent-lib devices, 61624 for the meters of the troubleshooting note), or disable firewalld on the FND host; then check that /r and reports arrive.',
  );
}

/** The device answers, the NMS never heard from it, and the NMS firewall is dropping inbound CSMP. */
export function firewallSilentDevice(f: Looked<'nms' | 'status'>): Diagnosis | undefined {
  const g = f.given;
  if (!f.status.reachable || g.registrationCount !== 0 || g.reportCount !== 0 || f.nms.heardFromDevice || g.firewall.inbound === false) return undefined;
  return conclude(
    f,
    'firewall',
    `The device answers the NMS but nothing it sends (/r, reports) reaches the NMS, and the NMS firewall is dropping inbound CSMP (${g.firewall.inbound}).`,
    'Open inbound UDP 61628 (61624 for meters) on the NMS host firewall, or disable firewalld on the FND host.',
  );
}
