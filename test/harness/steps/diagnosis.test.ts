/** The product's diagnosis path (what a failed step and `hil diagnose` run) against a scripted device on a real NMS. */
import { afterEach, describe, expect, it } from '@jest/globals';
import { parseRig } from '../../../harness/config/rig.js';
import { buildPayload } from '../../../harness/csmp/payload.js';
import { Bench } from '../../../harness/steps/bench.js';
import { diagnoseDevice } from '../../../harness/steps/diagnosis.js';
import { healthyAnswers } from '../nms/diagnosis/scripted-facts.js';
import { currentTime, deviceId, FND, flush, groupInfo, makeRig, METER, NOW_S, sessionId, VIP, type Rig } from '../nms/scripted-device.js';

/** The scripted rig's NMS as a bench; the rig file repeats what makeRig gave the NMS (its key files are not read). */
function benchOf(r: Rig): Bench {
  const rigFile = parseRig(
    `name: scripted
nms:
  addresses:
    - { name: fnd, address: '${FND}' }
    - { name: vip, address: '${VIP}' }
  signing: { key: 'nms-key.pem', cert: 'nms-cert.pem' }
links:
  - { name: nms, kind: udp, bind: '[${FND}]:61628' }
devices:
  - name: meter1
    eui64: '0a0027fffe3b2ab2'
    address: '${METER}'
    link: nms
    expected: { firmwareVersion: '6.6.99', hwId: 'CSMP-HW', firmwareGroup: 317 }
    capabilities: []
`,
    'scripted.yaml',
    { checkFiles: false },
  );
  return new Bench({ rig: rigFile, nms: r.nms, clock: r.clock, timeScale: 1 });
}

/** A scripted device registered and reporting, answering every GET as a healthy one does. */
async function healthyRegistered(): Promise<Rig> {
  const r = await makeRig();
  await r.register([deviceId, currentTime(), groupInfo(2, 317)]);
  await r.devicePost([sessionId('1'), currentTime()]);
  r.answer((req) => {
    const a = healthyAnswers[Number(req.uriQuery[0]!.slice(2))];
    if (!a || !a.ok) return { code: '4.04' };
    return { code: '2.05', payload: buildPayload(a.tlvs.map((t) => ({ type: t.type, raw: t.raw })), { lengthStyle: 'agent' }) };
  });
  return r;
}

describe('diagnoseDevice against a live scripted device', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('lands in clock-skew for a device 2 h ahead that rejects the signed 2.03', async () => {
    rig = await makeRig();
    await rig.register([deviceId, currentTime(NOW_S + 7200), groupInfo(2, 317)]);
    await rig.devicePost([deviceId, { type: 44, fields: { code: 2 } }]);
    rig.answer((req) => {
      const q = req.uriQuery[0];
      if (q === 'q=35') return { code: '2.05', payload: buildPayload([{ type: 35, fields: { SSID: Buffer.from('CISCO') } }], { lengthStyle: 'agent' }) };
      if (q === 'q=18') return { code: '2.05', payload: buildPayload([{ type: 18, fields: { posix: NOW_S + 7200 } }], { lengthStyle: 'agent' }) };
      if (q === 'q=45') return { code: '2.05', payload: buildPayload([{ type: 45, fields: { sigBadValidity: 1 } }], { lengthStyle: 'agent' }) };
      return { code: '4.04' };
    });
    const d = await diagnoseDevice(benchOf(rig), 'meter1');
    expect(d.branch).toBe('clock-skew');
  });

  it('lands in healthy for an up device that answers as expected, and in load-balancer after an answer at the VIP', async () => {
    rig = await healthyRegistered();
    expect((await diagnoseDevice(benchOf(rig), 'meter1')).branch).toBe('healthy');

    const pending = rig.nms.client.get('meter1', 22, { confirmable: false, a: 1 });
    await flush();
    await rig.devicePost([{ type: 22, fields: { sysUpTime: 9 } }], VIP);
    await pending;
    expect((await diagnoseDevice(benchOf(rig), 'meter1')).branch).toBe('load-balancer');
  });

  it('ends inconclusive, not healthy, when GET 18 goes unanswered after GET 35 and 43 (its groups known only from its /r)', async () => {
    rig = await healthyRegistered();
    rig.answer((req) => {
      const tlv = Number(req.uriQuery[0]!.slice(2));
      if (tlv !== 35 && tlv !== 43) return undefined;
      const a = healthyAnswers[tlv]!;
      return a.ok ? { code: '2.05', payload: buildPayload(a.tlvs.map((t) => ({ type: t.type, raw: t.raw })), { lengthStyle: 'agent' }) } : { code: '4.04' };
    });
    let settled = false;
    const diagnosis = diagnoseDevice(benchOf(rig), 'meter1', { getTimeoutMs: 3000 }).finally(() => (settled = true));
    for (let i = 0; i < 10 && !settled; i++) {
      await flush();
      rig.clock.advance(3000);
    }
    const d = await diagnosis;
    const notAsked = 'not asked (no answer to GET 18 within 3000 ms)';
    expect([d.branch, d.cause]).toEqual([
      'inconclusive',
      `The device is up, but not every check of the flowchart was answered: GET 18 CurrentTime: no answer to GET 18 within 3000 ms; GET 45 CGMSStats: ${notAsked}; GET 58 GroupInfo: ${notAsked}; GET 75 FirmwareImageInfo: ${notAsked}. No branch matched what was answered, and a check left unanswered clears nothing.`,
    ]);
    expect(d.evidence.find((e) => e.what === 'GET 58 GroupInfo')!.seen).toMatch(/^not asked \(no answer to GET 18 within 3000 ms\); from registration at \S+: type 2 id 317$/);
  });

  describe('a device marked Down behind an NMS firewall rule before any of its datagrams was dropped', () => {
    /** Registered, reporting, then blocked: the NMS's Down timer fires before the report due reaches the firewall. */
    async function downBehindFirewall(): Promise<{ r: Rig; bench: Bench; intervalS: number }> {
      const r = await healthyRegistered();
      rig = r;
      const intervalS = r.nms.devices.require('meter1').reportIntervalS!;
      r.nms.firewall.dropInbound('csmp-port', METER);
      r.clock.advance(intervalS * 3000 + 1000);
      await flush();
      expect([r.nms.devices.require('meter1').state, r.nms.firewall.stateFor(METER).droppedInbound]).toEqual(['down', 0]);
      return { r, bench: benchOf(r), intervalS };
    }

    it('waits for its next datagram: dropped, so the walk ends in firewall', async () => {
      const { r, bench } = await downBehindFirewall();
      const diagnosis = diagnoseDevice(bench, 'meter1', { dropWaitMs: 600_000 });
      await flush();
      // The report that was due arrives now, and the firewall drops it.
      await r.devicePost([sessionId('1'), currentTime()]);
      const d = await diagnosis;
      expect(d.branch).toBe('firewall');
      expect(r.nms.events.log.filter((e) => e.name === 'inboundBlocked').map((e) => e.message)).toEqual([
        `Datagram (NON 0.02 /c) from [${METER}]:46790 to port 61628 dropped by the NMS firewall.`,
      ]);
    });

    it('waits one report interval at most: a device that sends nothing is not blamed on the firewall', async () => {
      const { r, bench, intervalS } = await downBehindFirewall();
      const diagnosis = diagnoseDevice(bench, 'meter1', { dropWaitMs: 600_000 });
      await flush();
      r.clock.advance(intervalS * 1000);
      const d = await diagnosis;
      // Not the firewall: nothing of it was dropped. (The scripted answers' CurrentTime stood still
      // while the clock ran past three intervals, so the walk goes on to clock-skew.)
      expect([d.branch, d.evidence.find((e) => e.what === 'NMS firewall')?.seen]).toEqual(['clock-skew', 'inbound dropping (csmp-port), outbound open; dropped inbound 0 (0 from fd00::2), outbound 0']);
    });
  });
});
