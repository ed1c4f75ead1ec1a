import { toHex } from '../../../core/bytes.js';
import { CoapTimeoutError } from '../../../harness/coap/errors.js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { encodeCoap } from '../../../harness/coap/message.js';
import { buildPayload } from '../../../harness/csmp/payload.js';
import { checkSignedPayload } from '../../../harness/csmp/signature.js';
import { FND, flush, makeRig, METER, NOW_S, TEST_CERT, tlvsOf, VIP, sessionId, currentTime, type Rig } from './scripted-device.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const firmwareRow = {
  type: 75,
  fields: { index: 1, version: '6.6.99', isRunning: true, isDefault: false, hwInfo: { hwId: 'CSMP-HW' } },
};

describe('client: GET', () => {
  it('GET /c?q=75 (CON) sends FND bytes and decodes the 2.05', async () => {
    rig = await makeRig();
    rig.answer(() => ({ code: '2.05', payload: buildPayload([firmwareRow], { lengthStyle: 'agent' }) }));
    const a = await rig.nms.client.get('meter1', 75);
    expect(rig.served).toHaveLength(1);
    const req = rig.served[0]!;
    expect([req.type, req.code, req.uriPath, req.uriQuery, req.token.length]).toEqual(['CON', '0.01', ['c'], ['q=75'], 0]);
    // doc 8.5 frame 35 without FND's token: 40 01 <mid> b1 63 44 71 3d 37 35
    expect(toHex(encodeCoap({ ...req, options: [] })).slice(8)).toBe('b16344713d3735');
    expect(a).toMatchObject({ device: 'meter1', code: '2.05', async: false, sentFrom: FND });
    expect(a.tlvs.map((t) => t.value)).toEqual([firmwareRow.fields]);
    expect(rig.nms.counters.get(FND)).toMatchObject({ sent: 1, inbound: { response: 1 } });
  });

  it('counts the CON requests sent to a device and those left unanswered', async () => {
    rig = await makeRig();
    rig.answer(() => ({ code: '2.05', payload: buildPayload([firmwareRow], { lengthStyle: 'agent' }) }));
    await rig.nms.client.get('meter1', 75);
    rig.answer(() => undefined);
    const lost = rig.nms.client.get('meter1', 75, { timeoutMs: 50 });
    await flush();
    rig.clock.advance(50);
    await expect(lost).rejects.toThrow(CoapTimeoutError);
    expect(rig.nms.client.requestStats('meter1')).toEqual({ sent: 2, unanswered: 1 });
  });

  it('GET /c/75 and /c/75/2 (path form), several ids space-separated in q=', async () => {
    rig = await makeRig();
    rig.answer(() => ({ code: '2.05' }));
    await rig.nms.client.get('meter1', '75', { style: 'path' });
    await rig.nms.client.get('meter1', 75, { style: 'path', index: 2 });
    await rig.nms.client.get('meter1', [2, 22]);
    await rig.nms.client.get('meter1', ['e5771.127']);
    expect(rig.served.map((r) => [r.uriPath.join('/'), r.uriQuery.join('&')])).toEqual([
      ['c/75', ''],
      ['c/75/2', ''],
      ['c', 'q=2 22'],
      ['c', 'q=e5771.127'],
    ]);
    await expect(rig.nms.client.get('meter1', 'x75')).rejects.toThrow(/not a TLV id/);
  });

  it('NON GET with a= resolves with the asynchronous POST /c; an answer at the VIP is counted as misrouted', async () => {
    rig = await makeRig();
    const pending = rig.nms.client.get('meter1', 75, { confirmable: false, a: 2 });
    await flush();
    const req = rig.served[0]!;
    expect([req.type, req.uriQuery]).toEqual(['NON', ['q=75', 'a=2']]);
    await rig.devicePost([firmwareRow]);
    await expect(pending).resolves.toMatchObject({ async: true, code: '0.02', sentFrom: FND, arrivedAt: FND });
    expect(rig.nms.client.misroutedAnswers('meter1')).toEqual([]);

    const second = rig.nms.client.get('meter1', 75, { confirmable: false, a: 2 });
    await flush();
    await rig.devicePost([firmwareRow], VIP);
    await expect(second).resolves.toMatchObject({ sentFrom: FND, arrivedAt: VIP });
    expect(rig.nms.client.misroutedAnswers('meter1')).toEqual([{ sentFrom: FND, arrivedAt: VIP, count: 1 }]);
    expect(rig.nms.counters.get(VIP).inbound.asyncAnswer).toBe(1);

    // No answer: rejects after 2a + 5 s of clock time.
    const lost = rig.nms.client.get('meter1', 75, { confirmable: false, a: 2 });
    await flush();
    rig.clock.advance(9000);
    await expect(lost).rejects.toThrow('no asynchronous answer from meter1 to NON GET /c within 9000 ms');
  });

  it('reply-from vip: a CON answered to FND on the requesting port is not the answer; it is counted as misrouted and the GET times out', async () => {
    rig = await makeRig();
    const r = rig;
    r.nms.replyFrom.set('vip');
    r.answer((req, from) => {
      // The device answers to its configured NMS address (FND) instead of the VIP that asked.
      const ack = encodeCoap({ type: 'ACK', code: '2.05', messageId: req.messageId, payload: buildPayload([currentTime()], { lengthStyle: 'agent' }) });
      r.devLink.send({ src: METER, srcPort: 61628, dst: FND, dstPort: from.port, payload: ack });
      return undefined;
    });
    const a = r.nms.client.get('meter1', 18, { timeoutMs: 2000 }).catch((e: unknown) => e);
    await flush();
    await flush();
    expect(r.served).toHaveLength(1);
    expect(r.nms.client.misroutedAnswers('meter1')).toEqual([{ sentFrom: VIP, arrivedAt: FND, count: 1 }]);
    r.clock.advance(2000);
    expect(await a).toBeInstanceOf(CoapTimeoutError);
    expect(r.nms.client.requestStats('meter1')).toEqual({ sent: 1, unanswered: 1 });

    // Answered to the VIP it came from, the same GET is answered, and arrivedAt says the VIP.
    r.answer(() => ({ code: '2.05', payload: buildPayload([currentTime()], { lengthStyle: 'agent' }) }));
    await expect(r.nms.client.get('meter1', 18)).resolves.toMatchObject({ code: '2.05', sentFrom: VIP, arrivedAt: VIP });
  });

  it('a report arriving while a NON GET waits is a report, not the answer', async () => {
    rig = await makeRig();
    const pending = rig.nms.client.get('meter1', 22, { confirmable: false, a: 1 });
    await flush();
    await rig.devicePost([sessionId('1'), currentTime()]);
    await rig.devicePost([{ type: 22, fields: { sysUpTime: 9 } }]);
    const a = await pending;
    expect(a.tlvs.map((t) => t.type)).toEqual([22]);
  });
});

describe('client: POST', () => {
  it('signed POST with GroupMatch: exact bytes, GroupMatch first, signing TLVs last, verifies', async () => {
    rig = await makeRig({ validity: { beforeS: 0, afterS: 200_000_000 } });
    rig.answer(() => ({ code: '2.01' }));
    const a = await rig.nms.client.post('meter1', [{ type: 8, fields: { tlvid: ['22'] } }], { groupMatch: { type: 2, id: 317 } });
    expect(a.code).toBe('2.01');
    const req = rig.served[0]!;
    expect([req.type, req.code, req.uriPath]).toEqual(['CON', '0.02', ['c']]);
    const tlvs = tlvsOf(req.payload);
    expect(tlvs.map((t) => t.type)).toEqual([57, 8, 76, 77]);
    // GroupMatch{2, 317} + DescriptionRequest{"22"} (doc 8.7) + SignatureValidity{1700000000, 1900000000} (doc 8.8)
    const sigAt = tlvs[3]!.offset!;
    expect(toHex(req.payload.subarray(0, sigAt))).toBe('3905080210bd02' + '08040a023232' + '4c0c0880e2cfaa061080e6fe8907');
    // Signature{value}: 4d <len> 0a <len> 30 ..., the DER wrapper at most 88 bytes (doc 7.2).
    const value = tlvs[3]!.value!['value'] as Uint8Array;
    expect(value.length).toBeLessThanOrEqual(88);
    expect(toHex(req.payload.subarray(sigAt))).toBe(`4d${(value.length + 2).toString(16)}0a${value.length.toString(16)}${toHex(value)}`);
    expect(toHex(value.subarray(0, 12))).toMatch(/^30..06082a8648ce3d040302$/);
    expect(checkSignedPayload(req.payload, TEST_CERT, NOW_S)).toEqual({ outcome: 'ok' });
    expect(toHex(rig.nms.client.postPayload([{ type: 8, fields: { tlvid: ['22'] } }], { sign: false, groupMatch: { type: 2, id: 317 } }))).toBe(
      '3905080210bd0208040a023232',
    );
  });

  it('afterSignature TLVs follow the Signature TLV, outside what it covers', async () => {
    rig = await makeRig({ validity: { beforeS: 0, afterS: 200_000_000 } });
    const items = [{ type: 55, fields: { type: 2, id: 317 } }];
    const withTail = rig.nms.client.postPayload(items, { afterSignature: [{ type: 55, fields: { type: 2, id: 243 } }] });
    const tlvs = tlvsOf(withTail);
    expect(tlvs.map((t) => [t.type, t.value?.['id']])).toEqual([[55, 317], [76, undefined], [77, undefined], [55, 243]]);
    // Everything before the tail is an ordinary signed POST, which still verifies.
    const tailAt = tlvs[3]!.offset!;
    expect(toHex(withTail.subarray(tailAt))).toBe('3705080210f301');
    expect(checkSignedPayload(withTail.subarray(0, tailAt), TEST_CERT, NOW_S)).toEqual({ outcome: 'ok' });
  });

  it('4.01 to a signed POST records signatureFailure; NON POST resolves with the notification carrying its token', async () => {
    rig = await makeRig();
    rig.answer(() => ({ code: '4.01' }));
    const a = await rig.nms.client.post('meter1', [{ type: 32, fields: { flag: 0 } }]);
    expect(a.code).toBe('4.01');
    expect(rig.nms.events.log.at(-1)).toMatchObject({ name: 'signatureFailure', eventTypeId: 1085 });

    const non = rig.nms.client.post('meter1', [{ type: 55, fields: { type: 2, id: 317 } }], { confirmable: false, a: 1 });
    await flush();
    const req = rig.served[1]!;
    expect(req.type).toBe('NON');
    expect(req.token.length).toBe(1);
    await rig.devicePost([{ type: 2, fields: { type: 1, id: '0A0027FFFE3B2AB2' } }, { type: 44, fields: { code: 0 } }], FND, req.token);
    await expect(non).resolves.toMatchObject({ async: true });
    expect((await non).tlvs.map((t) => t.type)).toEqual([2, 44]);
  });
});
