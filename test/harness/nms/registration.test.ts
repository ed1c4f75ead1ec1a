import { toHex } from '../../../core/bytes.js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { checkSignedPayload } from '../../../harness/csmp/signature.js';
import type { Datagram } from '../../../drivers/link/types.js';
import {
  currentTime,
  deviceId,
  EUI,
  FND,
  flush,
  groupInfo,
  makeRig,
  METER,
  NOW_S,
  sessionId,
  TEST_CERT,
  tlvsOf,
  VIP,
  type Rig,
} from './scripted-device.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

describe('registration (POST /r)', () => {
  it('answers a known device 2.03 with ReportSubscribe, SessionID, SignatureValidity, Signature that verifies with the NMS cert', async () => {
    // Validity window [now, now + 200 000 000] reproduces the signed bytes of doc 8.8 exactly.
    rig = await makeRig({ validity: { beforeS: 0, afterS: 200_000_000 }, expected: { firmwareGroup: 317 } });
    const ack = await rig.register([deviceId, currentTime(), groupInfo(2, 317)]);
    expect(ack.type).toBe('ACK');
    expect(ack.code).toBe('2.03');
    expect(ack.token.length).toBe(0);
    const tlvs = tlvsOf(ack.payload);
    expect(tlvs.map((t) => t.type)).toEqual([13, 7, 76, 77]);
    expect(tlvs[0]!.value).toEqual({ interval: 900, tlvid: ['22', '35'] });
    expect(tlvs[1]!.value).toEqual({ id: '1' });
    expect(tlvs[2]!.value).toEqual({ notBefore: 1_700_000_000, notAfter: 1_900_000_000 });
    // doc 8.8: the 32 signed bytes.
    expect(toHex(ack.payload.subarray(0, tlvs[3]!.offset))).toBe('0d0b088407120232321202333507030a01314c0c0880e2cfaa061080e6fe8907');
    expect(checkSignedPayload(ack.payload, TEST_CERT, NOW_S)).toEqual({ outcome: 'ok' });

    const rec = rig.nms.devices.require('meter1');
    expect(rec.state).toBe('registering');
    expect(rec.transitions).toEqual([{ from: 'unheard', to: 'registering', at: NOW_S * 1000, reason: expect.any(String) }]);
    expect(rig.nms.events.log.map((e) => e.name)).toEqual(['registrationRequest']);
  });

  it('answers an unknown DeviceID 4.03 without payload and records registrationRejected', async () => {
    rig = await makeRig();
    const ack = await rig.register([{ type: 2, fields: { type: 1, id: '00124B0000000001' } }, currentTime()]);
    expect(ack.code).toBe('4.03');
    expect(ack.payload.length).toBe(0);
    expect(rig.nms.events.log).toEqual([
      expect.objectContaining({ name: 'registrationRejected', eid: '00124B0000000001', message: expect.stringContaining('unknown DeviceID 00124B0000000001') }),
    ]);
    expect(rig.nms.devices.require('meter1').state).toBe('unheard');
  });

  it('a device taken out of the inventory is answered 4.03 like an unknown one, and registers once back', async () => {
    rig = await makeRig();
    rig.nms.setInInventory('meter1', false);
    const refused = await rig.register([deviceId, currentTime()]);
    expect([refused.code, refused.payload.length]).toEqual(['4.03', 0]);
    expect(rig.nms.events.log).toEqual([
      expect.objectContaining({ name: 'registrationRejected', device: 'meter1', eid: EUI, message: expect.stringContaining(`unknown DeviceID ${EUI} (meter1 is out of the inventory)`) }),
    ]);
    rig.nms.setInInventory('meter1', true);
    expect((await rig.register([deviceId, currentTime()])).code).toBe('2.03');
  });

  it('a registration that does not decode is 4.00 and is the rig device\'s at that source address', async () => {
    rig = await makeRig();
    // DeviceID claiming 20 value bytes with 3 present.
    const ack = await rig.registerBytes(Uint8Array.of(0x02, 0x14, 0x08, 0x01, 0x12));
    expect([ack.code, ack.payload.length]).toEqual(['4.00', 0]);
    expect(rig.nms.events.log).toEqual([
      expect.objectContaining({ name: 'registrationRejected', device: 'meter1', message: expect.stringContaining('rejected with 4.00: payload does not decode (tlv: ') }),
    ]);
  });

  it('answers a duplicate DeviceID 4.03 and several SessionIDs 4.04, both without payload', async () => {
    rig = await makeRig();
    const dup = await rig.register([deviceId, deviceId, currentTime()]);
    expect([dup.code, dup.payload.length]).toEqual(['4.03', 0]);
    const sessions = await rig.register([deviceId, sessionId('1'), sessionId('2'), currentTime()]);
    expect([sessions.code, sessions.payload.length]).toEqual(['4.04', 0]);
    expect(rig.nms.events.log.map((e) => e.details?.['code'])).toEqual(['4.03', '4.04']);
  });

  it('sends GroupAssign{type 2, id expected} on a firmware group mismatch, with the FND-like event', async () => {
    rig = await makeRig({ expected: { firmwareGroup: 317 } });
    const ack = await rig.register([deviceId, currentTime(), groupInfo(2, 243)]);
    expect(ack.code).toBe('2.03');
    const tlvs = tlvsOf(ack.payload);
    expect(tlvs.map((t) => t.type)).toEqual([13, 7, 55, 76, 77]);
    expect(tlvs[2]!.value).toEqual({ type: 2, id: 317 });
    expect(toHex(ack.payload.subarray(tlvs[2]!.offset, tlvs[3]!.offset))).toBe('3705080210bd02');
    const ev = rig.nms.events.log.find((e) => e.name === 'firmwareGroupMismatch');
    expect(ev).toMatchObject({
      message: 'Running firmware group on the device is id=243 but must be id=317. Sending GroupAssign.',
      device: 'meter1',
      eid: EUI,
    });
    expect(checkSignedPayload(ack.payload, TEST_CERT, NOW_S).outcome).toBe('ok');
  });

  it('a device that reported no firmware group is id=0; config group mismatch gets its own GroupAssign', async () => {
    rig = await makeRig({ expected: { firmwareGroup: '317', configGroup: 42 } });
    const ack = await rig.register([deviceId, currentTime()]);
    const tlvs = tlvsOf(ack.payload);
    expect(tlvs.filter((t) => t.type === 55).map((t) => t.value)).toEqual([
      { type: 2, id: 317 },
      { type: 1, id: 42 },
    ]);
    expect(rig.nms.events.log.filter((e) => e.name.endsWith('GroupMismatch')).map((e) => e.message)).toEqual([
      'Running firmware group on the device is id=0 but must be id=317. Sending GroupAssign.',
      'Running config group on the device is id=0 but must be id=42. Sending GroupAssign.',
    ]);
  });

  it('puts CGMSSettings in the 2.03 only when the device setting asks for it (off by default)', async () => {
    rig = await makeRig();
    expect(rig.nms.registrationSettings('meter1').cgmsSettings).toBe(false);
    let tlvs = tlvsOf((await rig.register([deviceId, currentTime(), groupInfo(2, 317)])).payload);
    expect(tlvs.some((t) => t.type === 42)).toBe(false);
    rig.nms.registrationSettings('meter1').cgmsSettings = { regIntervalMin: 60, regIntervalMax: 600 };
    tlvs = tlvsOf((await rig.register([deviceId, currentTime(), groupInfo(2, 317)])).payload);
    expect(tlvs.map((t) => t.type)).toEqual([13, 7, 42, 76, 77]);
    expect(tlvs[2]!.value).toEqual({ regIntervalMin: 60, regIntervalMax: 600 });
  });

  it('sends an unsigned 2.03 when the NMS has no key, never empty and with interval > 0', async () => {
    rig = await makeRig({ signed: false });
    const tlvs = tlvsOf((await rig.register([deviceId, currentTime(), groupInfo(2, 317)])).payload);
    expect(tlvs.map((t) => t.type)).toEqual([13, 7]);
    expect(() => rig!.nms.registrationSettings('meter1')).not.toThrow();
  });

  it('rejects report interval 0 in the settings (it crashes csmp-agent-lib)', async () => {
    await expect(makeRig({ nms: { registration: { reportIntervalS: 0 } } })).rejects.toThrow(/interval must be a whole number of seconds > 0/);
  });
});

describe('device state, reports and notifications', () => {
  it('goes up on the first report and down after N missed intervals (fake clock), with events', async () => {
    rig = await makeRig({ nms: { registration: { reportIntervalS: 30 }, missedIntervalsForDown: 2 } });
    await rig.register([deviceId, currentTime(), groupInfo(2, 317)]);
    const up = rig.nms.devices.waitForState('meter1', 'up', 120_000);
    rig.clock.advance(1000);
    await rig.devicePost([sessionId('1'), currentTime(NOW_S + 1), { type: 22, fields: { sysUpTime: 5 } }]);
    await expect(up).resolves.toMatchObject({ state: 'up', reportCount: 1 });
    rig.clock.advance(59_999);
    expect(rig.nms.devices.require('meter1').state).toBe('up');
    rig.clock.advance(1);
    const rec = rig.nms.devices.require('meter1');
    expect(rec.state).toBe('down');
    expect(rec.transitions.map((t) => [t.to, t.at / 1000 - NOW_S])).toEqual([
      ['registering', 0],
      ['up', 1],
      ['down', 61],
    ]);
    expect(rig.nms.events.log.map((e) => e.name)).toEqual(['registrationRequest', 'registrationSuccess', 'up', 'down']);
    expect(rec.lastReport?.map((t) => t.type)).toEqual([7, 18, 22]);
  });

  it('CGMSNotification code 2 after a signed 2.03 is signatureFailure 1085 with the hint', async () => {
    rig = await makeRig();
    await rig.register([deviceId, currentTime(NOW_S + 7200), groupInfo(2, 317)]);
    await rig.devicePost([deviceId, { type: 44, fields: { code: 2 } }]);
    const ev = await rig.nms.events.waitForEvent('signatureFailure', 60_000, { device: 'meter1' });
    expect(ev).toMatchObject({ eventTypeId: 1085, displayName: 'Invalid CSMP Signature', severity: 'CRITICAL', eid: EUI });
    expect(ev.message).toContain('Verify the certificate setup and that the device and IoT-FND are time synchronized.');
    const rec = rig.nms.devices.require('meter1');
    expect(rec.state).toBe('registering');
    expect(rec.clockOffsetS).toBe(7200);
    // The next registration's GroupAssign line carries FND's "(Invalid CSMP Signature)".
    await rig.register([deviceId, currentTime(), groupInfo(2, 243)]);
    expect(rig.nms.events.log.at(-2)!.message).toBe(
      'Running firmware group on the device is id=243 but must be id=317 (Invalid CSMP Signature). Sending GroupAssign.',
    );
  });
});

describe('per-address counters, firewall, reply-from', () => {
  it('counts CSMP messages per local address', async () => {
    rig = await makeRig();
    await rig.register([deviceId, currentTime(), groupInfo(2, 317)], FND);
    await rig.devicePost([sessionId('1'), currentTime()], VIP);
    await rig.devicePost([sessionId('1'), currentTime()], VIP);
    const c = rig.nms.counters.snapshot();
    expect(c[FND]).toMatchObject({ handled: 1, sent: 1, inbound: { registration: 1 }, outbound: { registrationResponse: 1 }, byDevice: { meter1: 1 } });
    expect(c[VIP]).toMatchObject({ handled: 2, sent: 0, inbound: { report: 2 }, byDevice: { meter1: 2 } });
  });

  it('drop inbound: no reply, counted, nothing handled; drop outbound: no reply, counted', async () => {
    rig = await makeRig();
    rig.nms.firewall.dropInbound();
    const lost = rig.register([deviceId, currentTime()]);
    await flush();
    rig.clock.advance(5000);
    await expect(lost).rejects.toThrow(/no answer within 5000 ms/);
    expect(rig.nms.firewall.state).toMatchObject({ droppedInbound: 1, droppedFrom: { [METER]: 1 } });
    expect(rig.nms.counters.get(FND).handled).toBe(0);
    expect(rig.nms.devices.require('meter1').state).toBe('unheard');

    rig.nms.firewall.allowInbound();
    rig.nms.firewall.dropOutbound();
    const unanswered = rig.register([deviceId, currentTime()]);
    await flush();
    rig.clock.advance(5000);
    await expect(unanswered).rejects.toThrow(/no answer within 5000 ms/);
    expect(rig.nms.firewall.state.droppedOutbound).toBe(1);
    expect(rig.nms.counters.get(FND).handled).toBe(1);
  });

  it('reply-from vip answers the registration from the VIP address', async () => {
    rig = await makeRig();
    const seen: Datagram[] = [];
    rig.devLink.on('datagram', (d: Datagram) => seen.push(d));
    await rig.register([deviceId, currentTime(), groupInfo(2, 317)]);
    rig.nms.replyFrom.set('vip');
    // The device's CoAP client matches ACKs by peer address, so it never takes this one (the
    // reference agent would: it does not check the source, doc 6.1 step 5).
    const fromVip = rig.register([deviceId, currentTime(), groupInfo(2, 317)]);
    await flush();
    rig.clock.advance(5000);
    await expect(fromVip).rejects.toThrow(/no answer/);
    expect(rig.devClient.drops.get('unmatched response')).toBe(1);
    expect(seen.map((d) => [d.src, d.srcPort])).toEqual([
      [FND, 61628],
      [VIP, 61628],
    ]);
    expect(rig.nms.counters.get(VIP).outbound.registrationResponse).toBe(1);
  });
});
