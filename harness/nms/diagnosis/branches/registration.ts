/**
 * Registration does not complete: the NMS itself refused the device's /r (checked before the
 * device is asked anything), or, when no specific branch matched, the device is not up for a
 * reason of its own (unreachable, or registering without ever reporting).
 */
import type { Looked } from '../facts.js';
import { conclude, type Diagnosis } from '../result.js';

/** The NMS answered the device's registration with an error (unknown or duplicate DeviceID, undecodable /r). */
export function registrationRefused(f: Looked<'nms'>): Diagnosis | undefined {
  const last = f.nms.lastRejection;
  if (!last || f.given.state === 'up') return undefined;
  const undecodable = last.details?.['code'] === '4.00';
  return conclude(
    f,
    'registration',
    `The NMS refuses the device's registration: ${last.message}`,
    undecodable
      ? 'Firmware defect: the device sends a registration that does not decode as CSMP TLVs; give the firmware team the pcap of its POST /r.'
      : 'Pre-provision the device in the NMS inventory with its exact EUI-64 (16 hex digits), and make sure no other device uses the same DeviceID.',
    [{ what: 'registration rejected by the NMS', seen: last.message }],
  );
}

/** Not up, and none of the specific branches matched. */
export function registrationStalled(f: Looked<'status' | 'signatures'>): Diagnosis | undefined {
  const g = f.given;
  if (g.state === 'up') return undefined;
  const code2 = f.signatures.rejectedResponses;
  if (!f.status.reachable && g.registrationCount === 0) {
    return conclude(
      f,
      'registration',
      'The NMS has never heard from the device and it does not answer GETs: it is not reachable (mesh/route) or not configured with this NMS address.',
      'Check the device joined the mesh (pingable over IPv6 from the NMS) and that its configured NMS address and port are this NMS (61628 for csmp-agent-lib, 61624 for meters).',
    );
  }
  if (g.registrationCount > 0 && g.reportCount === 0) {
    return conclude(
      f,
      'registration',
      `The device registers but never sends its first report: it does not apply the registration response${code2 > 0 ? ` (CGMSNotification code 2 x${code2})` : ''}${g.cgmsSettingsInRegistration ? '; the 2.03 carries CGMSSettings (42), which csmp-agent-lib devices cannot apply (registration fails)' : ''}.`,
      g.cgmsSettingsInRegistration
        ? "Turn off CGMSSettings in this device's registration response (off by default), then let it re-register."
        : 'Check that the 2.03 carries only TLVs the device can apply, with ReportSubscribe interval > 0, signed with the key the device trusts.',
    );
  }
  // With a check left unanswered, "none matched" would be a guess: the walk ends inconclusive.
  if (f.unanswered.length > 0) return undefined;
  return conclude(
    f,
    'registration',
    `The device is ${g.state} and none of the specific branches matched.`,
    'Check that the device keeps reporting to this NMS address, and its mesh connectivity.',
  );
}
