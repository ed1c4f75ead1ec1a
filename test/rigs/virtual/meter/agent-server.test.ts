import { decodeCoap } from '../../../../harness/coap/message.js';
import { AgentBench, fields, isPost, keys } from '../support/agent-bench.js';
import { signed, tlvBytes } from '../support/nms-signer.js';
import { toHex } from '../../../../core/bytes.js';
import { hexBytes } from '../../../support/hex.js';


function booted(opts?: ConstructorParameters<typeof AgentBench>[0]): AgentBench {
  const b = new AgentBench(opts);
  b.agent.boot();
  return b;
}

describe('MeterAgent as CoAP server (csmp-protocol.md 3.5, 8.7)', () => {
  test('GET /c answers the TlvIndex: the agent 20 ids plus 43', () => {
    const b = booted();
    const ack = b.request({ type: 'CON', code: '0.01', messageId: 0x101, uriPath: ['c'] })!;
    expect(ack.code).toBe('2.05');
    expect(toHex(ack.payload).startsWith('01')).toBe(true);
    expect(fields(ack.payload)[0]!.value!['tlvid']).toEqual(['1', '2', '7', '55', '58', '13', '11', '12', '16', '17', '18', '22', '23', '25', '35', '53', '75', '76', '77', '79', '43']);
  });

  test('every advertised TLV (and 45) answers 2.05 with TLVs that decode', () => {
    const b = booted();
    const index = fields(b.request({ type: 'CON', code: '0.01', messageId: 1, uriPath: ['c'] })!.payload)[0]!.value!['tlvid'] as string[];
    for (const id of [...index, '45']) {
      const ack = b.request({ type: 'CON', code: '0.01', messageId: 2, uriPath: ['c'], uriQuery: [`q=${id}`] })!;
      expect(ack.code).toBe('2.05');
      for (const t of fields(ack.payload)) {
        expect(t.type).toBe(Number(id));
        expect(t.value).toBeDefined();
      }
    }
  });

  test('paths, indexes and q= lists as the reference agent reads them', () => {
    const b = booted();
    const get = (path: string[], query: string[] = []) => b.request({ type: 'CON', code: '0.01', messageId: 3, uriPath: path, uriQuery: query })!;
    const slot2 = fields(get(['c', '75', '2']).payload);
    expect(slot2.length).toBe(1);
    expect(slot2[0]!.value!['index']).toBe(2);
    expect(fields(get(['c'], ['q=2 22']).payload).map((t) => t.type)).toEqual([2, 22]);
    expect(fields(get(['c'], ['q=2+22']).payload).map((t) => t.type)).toEqual([2]);
    expect(fields(get(['c'], ['q=999 2']).payload).map((t) => t.type)).toEqual([2]);
    expect(get(['c', '999']).code).toBe('4.04');
    expect(get(['c'], ['q=999']).code).toBe('4.04');
    expect(get(['c', '999']).payload.length).toBe(0);
    expect(get(['x']).code).toBe('4.00');
    expect(get([]).code).toBe('4.00');
    expect(get(['c', '7']).payload.length).toBe(0); // SessionID before registration: 2.05 empty
    expect(get(['c', '7']).code).toBe('2.05');
    expect(b.request({ type: 'CON', code: '0.04', messageId: 4, uriPath: ['c'] })!.code).toBe('4.05');
    expect(b.request({ type: 'CON', code: '0.03', messageId: 5, uriPath: ['c'] })!.code).toBe('4.05');
    const vendor = get(['c', 'e5771.127']);
    expect(vendor.code).toBe('2.05');
    expect(toHex(vendor.payload).startsWith('7f8b2d7fa400080112200101')).toBe(true);
    expect(get(['c', '127']).payload.length).toBe(0);
  });

  test('token echo, malformed CON → 4.00, malformed NON dropped, short datagram → MID 0', () => {
    const b = booted();
    const [tok] = b.raw(hexBytes('48 01 01 0f 01 02 03 04 05 06 07 08 b1 63 44 71 3d 32 32'));
    expect(toHex(tok!.payload).startsWith('6845010f0102030405060708ff168200')).toBe(true);
    expect(toHex(b.raw(hexBytes('40 01 0f ff f1 00'))[0]!.payload)).toBe('60800fff');
    expect(toHex(b.raw(hexBytes('40 01'))[0]!.payload)).toBe('60800000');
    expect(toHex(b.raw(hexBytes('4f 01 00 07 b1 63'))[0]!.payload)).toBe('60800007');
    expect(toHex(b.raw(hexBytes('40 01 00 08 b1 63 ff'))[0]!.payload)).toBe('60800008');
    expect(b.raw(hexBytes('50 01 00 09 f1 00'))).toEqual([]);
    // Still serving afterwards.
    expect(b.request({ type: 'CON', code: '0.01', messageId: 10, uriPath: ['c', '2'] })!.code).toBe('2.05');
  });

  test('POST DescriptionRequest is signature-exempt and answered in the 2.01 with SessionID? CurrentTime', () => {
    const b = booted();
    const ack = b.request({ type: 'CON', code: '0.02', messageId: 0x101, uriPath: ['c'], payload: hexBytes('08 04 0a 02 32 32') })!;
    expect(ack.code).toBe('2.01');
    expect(fields(ack.payload).map((t) => t.type)).toEqual([22, 18]);
  });

  test('unsigned POST where signatures are required → 4.03; signed → 2.01 empty', () => {
    const b = booted();
    const assign = tlvBytes([{ type: 55, fields: { type: 2, id: 317 } }]);
    const no = b.request({ type: 'CON', code: '0.02', messageId: 1, uriPath: ['c'], payload: assign })!;
    expect(no.code).toBe('4.03');
    expect(b.agent.read(58)).toEqual([]);
    const yes = b.request({ type: 'CON', code: '0.02', messageId: 2, uriPath: ['c'], payload: signed(assign, keys().privateKey, b.nowSec()) })!;
    expect(yes.code).toBe('2.01');
    expect(yes.payload.length).toBe(0);
    expect(b.stat('sigOk')).toBe(1);
    expect(fields(b.request({ type: 'CON', code: '0.01', messageId: 3, uriPath: ['c', '58'] })!.payload)[0]!.value).toEqual({ type: 2, id: 317 });
  });

  test('GroupMatch mismatch: CON 4.00; NON → CGMSNotification code 0 with the POST token', () => {
    const b = booted();
    const body = hexBytes('39 05 08 02 10 bd 02 08 04 0a 02 32 32');
    expect(b.request({ type: 'CON', code: '0.02', messageId: 0x102, uriPath: ['c'], payload: body })!.code).toBe('4.00');
    const out = b.raw(hexBytes('51 02 01 03 77 b1 63 ff 39 05 08 02 10 bd 02 08 04 0a 02 32 32'));
    expect(out.length).toBe(1);
    const n = decodeCoap(out[0]!.payload);
    expect(n.type).toBe('NON');
    expect(toHex(n.token)).toBe('77');
    expect(out[0]!.dst).toBe('fd00::1');
    expect(out[0]!.dstPort).toBe(61628);
    expect(toHex(n.payload)).toBe('029400080112103041303032374646464533423241423' + '22c82000800');
  });

  test('unsupported TLVs: CON 4.04; NON → CGMSNotification code 3 listing them', () => {
    const b = booted();
    const k = keys().privateKey;
    const cgms = tlvBytes([{ type: 42, fields: { regIntervalMin: 60, regIntervalMax: 600 } }]);
    expect(b.request({ type: 'CON', code: '0.02', messageId: 0x10b, uriPath: ['c'], payload: signed(cgms, k, b.nowSec()) })!.code).toBe('4.04');
    const two = tlvBytes([
      { type: 42, fields: { regIntervalMin: 60 } },
      { type: 56, fields: { type: 2, id: 1 } },
    ]);
    b.request({ type: 'NON', code: '0.02', messageId: 0x10c, uriPath: ['c'], payload: signed(two, k, b.nowSec()) });
    const n = b.take(isPost('c'))!;
    expect(toHex(n.msg.payload).endsWith('2c86000803 1a022a38'.replace(' ', ''))).toBe(true);
  });

  test('signature outcomes move the CGMSStats counters the agent moves', () => {
    const b = booted();
    const k = keys().privateKey;
    const body = tlvBytes([{ type: 55, fields: { type: 1, id: 42 } }]);
    const post = (p: Uint8Array) => b.request({ type: 'CON', code: '0.02', messageId: 7, uriPath: ['c'], payload: p })!.code;
    const tampered = signed(body, k, b.nowSec());
    tampered[3] = tampered[3]! ^ 0x01; // inside GroupAssign's id: still framed, no longer what was signed
    expect(post(tampered)).toBe('4.01');
    expect(b.stat('sigBadAuth')).toBe(1);
    expect(post(signed(body, k, b.nowSec(), { notBefore: b.nowSec() + 100, notAfter: b.nowSec() + 200 }))).toBe('4.01');
    expect(b.stat('sigBadValidity')).toBe(1);
    expect(post(signed(body, k, b.nowSec(), { noValidity: true }))).toBe('4.01');
    expect([b.stat('sigBadAuth'), b.stat('sigBadValidity'), b.stat('sigOk')]).toEqual([1, 1, 0]);
    b.time.unreadable = true;
    expect(post(signed(body, k, 1_700_000_000))).toBe('4.01');
    expect(b.stat('sigNoSync')).toBe(1);
    b.time.unreadable = false;
    expect(post(signed(body, k, b.nowSec()))).toBe('2.01');
    expect(b.stat('sigOk')).toBe(1);
    // GET 76/77 read back the last ones received.
    expect(b.agent.read(77)!.length).toBe(1);
    expect(b.agent.read(76)!.length).toBe(1);
  });

  test('a Signature value past the agent\'s 88 bytes, or with bytes after the DER signature, is refused (sigBadAuth), never cut to fit', () => {
    const b = booted();
    const k = keys().privateKey;
    const JUNK = [0xde, 0xad, 0xbe, 0xef];
    const configGroup = () => (fields(b.request({ type: 'CON', code: '0.01', messageId: 9, uriPath: ['c', '58'] })!.payload).find((t) => t.value?.['type'] === 1)?.value?.['id']);
    const post = (p: Uint8Array) => b.request({ type: 'CON', code: '0.02', messageId: 7, uriPath: ['c'], payload: p })!.code;
    const stats = () => [b.stat('sigOk'), b.stat('sigBadAuth'), b.stat('sigBadValidity')];
    const assign = (id: number) => tlvBytes([{ type: 55, fields: { type: 1, id } }]);
    // The agent skips the OID unread (doc 7.2): an OID of `oidLen` bytes sets the wrapper's size.
    const rewrap = (oidLen: number, extra: number[] = []) => (v: Uint8Array) => {
      const der = v.subarray(15);
      const body = [0x06, oidLen, ...new Array<number>(oidLen).fill(0x2a), 0x03, der.length + 1, 0x00, ...der];
      return Uint8Array.from([0x30, body.length, ...body, ...extra]);
    };
    // A genuine 88-byte value: a 9-byte OID and a 72-byte ECDSA signature (r and s with a leading 00).
    let full: Uint8Array;
    let value88: Uint8Array | undefined;
    do {
      full = signed(assign(88), k, b.nowSec(), { alter: (v) => (v.length === 87 ? (value88 = rewrap(9)(v)) : v) });
    } while (!value88);
    expect(value88.length).toBe(88);
    expect(post(full)).toBe('2.01');
    expect([configGroup(), ...stats()]).toEqual([88, 1, 0, 0]);

    // The same with de ad be ef after it: 92 bytes. Cut to 88 it would verify; the agent hands all of it to the verifier.
    let value92: Uint8Array | undefined;
    do {
      full = signed(assign(92), k, b.nowSec(), { alter: (v) => (v.length === 87 ? (value92 = rewrap(9, JUNK)(v)) : v) });
    } while (!value92);
    expect(value92.length).toBe(92);
    expect(post(full)).toBe('4.01');
    expect([configGroup(), ...stats()]).toEqual([88, 1, 1, 0]);
    // Not stored: GET 77 reads back the last value that fitted.
    expect(toHex(b.agent.read(77)![0]!.value as Uint8Array)).toBe(`0a58${toHex(value88)}`);

    // The usual 85-87-byte value with de ad be ef: 89-91 bytes.
    expect(post(signed(assign(91), k, b.nowSec(), { alter: (v) => Uint8Array.from([...v, ...JUNK]) }))).toBe('4.01');
    expect([configGroup(), ...stats()]).toEqual([88, 1, 2, 0]);
    // Within 88 bytes (a 4-byte OID): the junk after the DER signature fails the strict verifier.
    const short = signed(assign(84), k, b.nowSec(), { alter: rewrap(4, JUNK) });
    expect(post(short)).toBe('4.01');
    expect([configGroup(), ...stats()]).toEqual([88, 1, 3, 0]);
  });

  test('NON GET with a=: the TLVs alone, later, at the configured NMS', () => {
    const b = booted();
    b.request({ type: 'NON', code: '0.01', messageId: 0x200, uriPath: ['c'], uriQuery: ['q=22', 'a=2'] }, 'fd00::9', 5000);
    expect(b.out.length).toBe(0);
    const t = b.nowSec();
    const { msg, d } = b.until(isPost('c'), 10);
    expect(b.nowSec() - t).toBeGreaterThanOrEqual(1);
    expect(b.nowSec() - t).toBeLessThanOrEqual(4);
    expect(d.dst).toBe('fd00::1');
    expect(msg.type).toBe('NON');
    expect(fields(msg.payload).map((x) => x.type)).toEqual([22]);
  });

  test('NON POST with output: asynchronous answer {outputs, SessionID?, CurrentTime}, no notification; NON GET of nothing: silence', () => {
    const b = booted();
    b.request({ type: 'NON', code: '0.02', messageId: 0x300, token: Uint8Array.of(9), uriPath: ['c'], uriQuery: ['a=3'], payload: hexBytes('08 04 0a 02 32 32') });
    expect(b.out.length).toBe(0);
    const { msg } = b.until(isPost('c'), 10);
    expect(msg.token.length).toBe(0);
    expect(fields(msg.payload).map((t) => t.type)).toEqual([22, 18]);
    b.out.length = 0;
    b.request({ type: 'NON', code: '0.01', messageId: 0x301, uriPath: ['c', '999'], uriQuery: ['a=1'] });
    b.time.advance(60_000);
    expect(b.out.filter((d) => decodeCoap(d.payload).uriPath[0] === 'c' && d.srcPort !== 61628).length).toBe(0);
  });

  test('CGMSStatus (43) is served: registered, NMSAddr, lastRegReason, nextReg, NMSCertValid', () => {
    const b = booted();
    const s = fields(b.request({ type: 'CON', code: '0.01', messageId: 1, uriPath: ['c'], uriQuery: ['q=43'] })!.payload)[0]!.value!;
    expect(s['registered']).toBe(false);
    expect(toHex(s['NMSAddr'] as Uint8Array)).toBe('fd000000000000000000000000000001');
    expect(s['lastRegReason']).toBe(1);
    expect(s['NMSCertValid']).toBe(true);
    expect(typeof s['nextReg']).toBe('number');
  });
});
