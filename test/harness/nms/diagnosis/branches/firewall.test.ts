import { describe, expect, it } from '@jest/globals';
import { firewallDropping, firewallSilentDevice } from '../../../../../harness/nms/diagnosis/branches/firewall.js';
import { ProcessingCounters } from '../../../../../harness/nms/counters.js';
import { FND, METER } from '../../scripted-device.js';
import { facts, HEALTHY_STATUS, looked, SEEN } from '../scripted-facts.js';

const OPEN_PORT =
  'Open the CSMP port on the NMS host firewall (inbound UDP 61628 for csmp-agent-lib devices, 61624 for the meters of the troubleshooting note), or disable firewalld on the FND host; then check that /r and reports arrive.';

describe('firewallDropping', () => {
  it('names the inbound datagrams from the device the NMS firewall dropped', async () => {
    const f = await looked('nms', facts({ state: 'down', firewall: { inbound: 'csmp-port', outbound: false, droppedInbound: 4, droppedOutbound: 0, droppedFrom: { [METER]: 4 } } }));
    expect(firewallDropping(f)).toEqual({
      branch: 'firewall',
      evidence: [
        { what: 'NMS device state', seen: 'down (registrations answered: 1, reports: 3)' },
        SEEN.upEvents,
        { what: 'NMS firewall', seen: 'inbound dropping (csmp-port), outbound open; dropped inbound 4 (4 from fd00::2), outbound 0' },
        SEEN.noCounters,
      ],
      cause:
        'The NMS host firewall drops inbound CSMP (UDP 61628 to the NMS): 4 datagram(s) from fd00::2 never reached the NMS, so registrations and reports are lost and the device goes (or stays) DOWN.',
      fix: OPEN_PORT,
    });
  });

  it('names outbound drops, and the meters port for a device on 61624', async () => {
    const f = await looked('nms', facts({ state: 'registering', firewall: { inbound: false, outbound: true, droppedInbound: 0, droppedOutbound: 3, droppedFrom: {} } }));
    const d = firewallDropping(f)!;
    expect(d.cause).toBe('The NMS host firewall drops outbound CSMP: 3 datagram(s) (registration responses, requests) never left the NMS, so the device keeps retrying registration.');
    expect(d.fix).toBe(OPEN_PORT);
    const meter61624 = await looked('nms', facts({ device: { ...facts().device, port: 61624 }, firewall: { inbound: 'csmp-port', outbound: false, droppedInbound: 1, droppedOutbound: 0, droppedFrom: { [METER]: 1 } } }));
    expect(firewallDropping(meter61624)!.cause).toMatch(/^The NMS host firewall drops inbound CSMP \(UDP 61624 to the NMS\): 1 datagram\(s\)/);
  });

  it('is nothing when the rules are on but dropped nothing of this device', async () => {
    const f = await looked('nms', facts({ firewall: { inbound: 'csmp-port', outbound: true, droppedInbound: 5, droppedOutbound: 0, droppedFrom: { 'fd00::9': 5 } } }));
    expect(firewallDropping(f)).toBeUndefined();
  });
});

describe('firewallSilentDevice', () => {
  const silent = facts({
    state: 'unheard',
    registrationCount: 0,
    reportCount: 0,
    events: [],
    firewall: { inbound: 'csmp-port', outbound: false, droppedInbound: 0, droppedOutbound: 0, droppedFrom: {} },
  });

  it('a device that answers GETs, never heard from, behind an inbound rule', async () => {
    expect(firewallSilentDevice(await looked('status', silent))).toEqual({
      branch: 'firewall',
      evidence: [
        { what: 'NMS device state', seen: 'unheard (registrations answered: 0, reports: 0)' },
        { what: 'NMS events for the device', seen: 'registrationSuccess x0, signatureFailure x0, registrationRejected x0, firmwareGroupMismatch x0, up x0, down x0' },
        { what: 'NMS firewall', seen: 'inbound dropping (csmp-port), outbound open; dropped inbound 0 (0 from fd00::2), outbound 0' },
        SEEN.noCounters,
        ...HEALTHY_STATUS,
      ],
      cause: 'The device answers the NMS but nothing it sends (/r, reports) reaches the NMS, and the NMS firewall is dropping inbound CSMP (csmp-port).',
      fix: 'Open inbound UDP 61628 (61624 for meters) on the NMS host firewall, or disable firewalld on the FND host.',
    });
  });

  it('is nothing once one datagram of the device reached an NMS address', async () => {
    const counters = new ProcessingCounters();
    counters.declare(FND);
    counters.inbound(FND, 'report', 'meter1');
    const heard = { ...silent, counters: counters.snapshot() };
    expect(firewallSilentDevice(await looked('status', heard))).toBeUndefined();
  });
});
