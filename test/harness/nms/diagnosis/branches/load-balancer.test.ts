import { describe, expect, it } from '@jest/globals';
import { loadBalancer } from '../../../../../harness/nms/diagnosis/branches/load-balancer.js';
import { FND, VIP } from '../../scripted-device.js';
import { facts, looked, QUIET_NMS, SEEN } from '../scripted-facts.js';

describe('loadBalancer', () => {
  it('answers to requests from the FND address arrived at the VIP', async () => {
    const f = await looked('nms', facts({ misroutedAnswers: [{ sentFrom: FND, arrivedAt: VIP, count: 2 }] }));
    expect(loadBalancer(f)).toEqual({
      branch: 'load-balancer',
      evidence: [
        { what: 'NMS device state', seen: 'up (registrations answered: 1, reports: 3)' },
        SEEN.upEvents,
        ...QUIET_NMS,
        { what: 'answers arriving at another address than the request left from', seen: '2 sent from fd00::1, arrived at fd00::100' },
      ],
      cause:
        "Answers to the NMS's requests arrive at fd00::100 instead of the server that sent them (fd00::1): the device sends NON answers, reports and notifications to its configured NMS address (the VIP), so a load balancer must route them back to the server that asked.",
      fix: 'Check source/destination addresses and ports between meters and FND; make the load balancer keep CSMP flows on one server (or answer from the VIP), compare per-server CSMP processing counts, and add the routing the VIP replies need.',
    });
  });

  it('is nothing for an NMS without a VIP, or with no misrouted answer left in the window', async () => {
    const noVip = facts({ addresses: [{ name: 'fnd', address: FND }], misroutedAnswers: [{ sentFrom: FND, arrivedAt: VIP, count: 2 }] });
    expect(loadBalancer(await looked('nms', noVip))).toBeUndefined();
    expect(loadBalancer(await looked('nms', facts({ misroutedAnswers: [{ sentFrom: FND, arrivedAt: VIP, count: 0 }] })))).toBeUndefined();
  });
});
