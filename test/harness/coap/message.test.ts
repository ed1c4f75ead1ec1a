import type { DecodeErrorCode } from '../../../core/errors.js';
import { codeClass, codeName, isRequest, isResponse, methodCode } from '../../../harness/coap/codes.js';
import { decodeCoap, encodeCoap, type CoapMessage } from '../../../harness/coap/message.js';
import { GET_EXCHANGES } from './vectors.js';
import { FND_RESPONSE_COAP, REGISTER_COAP } from '../../support/register-vector.js';
import { hexBytes } from '../../support/hex.js';
import { toHex } from '../../../core/bytes.js';
import { expectDecodeError } from '../../support/errors.js';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('decodeCoap on the documented vectors', () => {
  test('41 01 00 01 01 b1 63 43 71 3d 32 is CON GET MID 1, token 01, /c?q=2 (8.2)', () => {
    const m = decodeCoap(hexBytes('41 01 00 01 01 b1 63 43 71 3d 32'));
    expect(m).toEqual<CoapMessage>({
      type: 'CON',
      code: '0.01',
      messageId: 1,
      token: hexBytes('01'),
      options: [
        { number: 11, value: ascii('c') },
        { number: 15, value: ascii('q=2') },
      ],
      uriPath: ['c'],
      uriQuery: ['q=2'],
      payload: new Uint8Array(0),
    });
  });

  test('61 45 00 01 01 ff … is ACK 2.05 MID 1, token 01, with the DeviceID payload (8.2)', () => {
    const m = decodeCoap(hexBytes('61 45 00 01 01 ff 02 94 00 08 01 12 10 30 41 30 30 32 37 46 46 46 45 33 42 32 41 42 32'));
    expect(m.type).toBe('ACK');
    expect(m.code).toBe('2.05');
    expect(m.messageId).toBe(1);
    expect(m.token).toEqual(hexBytes('01'));
    expect(m.options).toEqual([]);
    expect(toHex(m.payload, ' ')).toBe('02 94 00 08 01 12 10 30 41 30 30 32 37 46 46 46 45 33 42 32 41 42 32');
  });

  test('the 602-byte registration is CON POST /r, MID 0, TKL 0, 595-byte payload (8.3)', () => {
    const bytes = hexBytes(REGISTER_COAP);
    expect(bytes.length).toBe(602);
    const m = decodeCoap(bytes);
    expect([m.type, m.code, m.messageId, m.token.length]).toEqual(['CON', '0.02', 0, 0]);
    expect(m.uriPath).toEqual(['r']);
    expect(m.uriQuery).toEqual([]);
    expect(m.payload.length).toBe(595);
    expect(toHex(m.payload.subarray(0, 3), ' ')).toBe('02 94 00');
    expect(encodeCoap(m)).toEqual(bytes);
  });

  test("FND's answer is ACK 2.03, MID 0, TKL 0, no options, 120-byte payload (8.4)", () => {
    const bytes = hexBytes(FND_RESPONSE_COAP);
    const m = decodeCoap(bytes);
    expect([m.type, m.code, codeName(m.code), m.messageId, m.token.length, m.options.length]).toEqual(['ACK', '2.03', '2.03 Valid', 0, 0, 0]);
    expect(m.payload.length).toBe(120);
    expect(encodeCoap(m)).toEqual(bytes);
  });

  test.each(GET_EXCHANGES)('GET /c?%s and its answer decode and re-encode byte for byte (8.5)', (query, req, resp) => {
    const r = decodeCoap(hexBytes(req));
    expect([r.type, r.code, r.uriPath, r.uriQuery]).toEqual(['CON', '0.01', ['c'], [query]]);
    // FND's first GET had no token, the later ones the low byte of the Message ID.
    expect(Array.from(r.token)).toEqual(r.messageId === 0 ? [] : [r.messageId & 0xff]);
    const a = decodeCoap(hexBytes(resp));
    expect([a.type, a.code, a.messageId]).toEqual(['ACK', '2.05', r.messageId]);
    expect(a.token).toEqual(r.token);
    expect(encodeCoap(r)).toEqual(hexBytes(req));
    expect(encodeCoap(a)).toEqual(hexBytes(resp));
  });

  test.each([
    ['GET /c/75/2: three Uri-Path options', '40 01 01 02 b1 63 02 37 35 01 32', ['c', '75', '2'], []],
    ['GET /c/e5771.127: vendor TLV id', '40 01 01 0c b1 63 09 65 35 37 37 31 2e 31 32 37', ['c', 'e5771.127'], []],
    ['GET /c?q=2 22: space-separated ids', '40 01 01 03 b1 63 46 71 3d 32 20 32 32', ['c'], ['q=2 22']],
    ['GET /c, 8-byte token', '48 01 01 0f 01 02 03 04 05 06 07 08 b1 63 44 71 3d 32 32', ['c'], ['q=22']],
    ['NON POST /c, token 77', '51 02 01 03 77 b1 63 ff 39 05 08 02 10 bd 02 08 04 0a 02 32 32', ['c'], []],
  ])('%s (8.7)', (_what, bytes, path, query) => {
    const m = decodeCoap(hexBytes(bytes));
    expect(m.uriPath).toEqual(path);
    expect(m.uriQuery).toEqual(query);
    expect(encodeCoap(m)).toEqual(hexBytes(bytes));
  });

  test('the empty ACK 60 00 00 01 is ACK 0.00 MID 1', () => {
    const m = decodeCoap(hexBytes('60 00 00 01'));
    expect([m.type, m.code, m.messageId, m.token.length, m.options.length, m.payload.length]).toEqual(['ACK', '0.00', 1, 0, 0, 0]);
    expect(encodeCoap(m)).toEqual(hexBytes('60 00 00 01'));
  });

  test('RST and NON types, unknown options kept with their numbers, non-ASCII path as UTF-8', () => {
    expect(decodeCoap(hexBytes('70 00 12 34')).type).toBe('RST');
    const m = decodeCoap(hexBytes('50 02 00 07 b2 c3 a9 c1 2a ff 01'));
    expect(m.type).toBe('NON');
    expect(m.uriPath).toEqual(['é']);
    expect(m.options).toEqual([{ number: 11, value: hexBytes('c3 a9') }, { number: 23, value: hexBytes('2a') }]);
  });

  test('a view into a larger buffer decodes with offsets relative to the view', () => {
    const big = hexBytes('ff ff ff 41 01 00 01 01 b1 63 43 71 3d 32 ee');
    expect(decodeCoap(big.subarray(3, 14)).uriQuery).toEqual(['q=2']);
    expectDecodeError(() => decodeCoap(big.subarray(3, 9)), { layer: 'coap', code: 'truncated', offset: 5 });
  });
});

describe('decodeCoap rejects RFC 7252 format errors with the offset', () => {
  test.each<[string, string, number, DecodeErrorCode]>([
    ['empty datagram', '', 0, 'truncated'],
    ['3-byte datagram', '40 01 00', 0, 'truncated'],
    ['version 2', '80 01 00 00', 0, 'unsupported'],
    ['version 0', '00 01 00 00', 0, 'unsupported'],
    ['TKL 9', '49 01 00 00 01 02 03 04 05 06 07 08 09', 0, 'bad-value'],
    ['TKL 15', '4f 01 00 00', 0, 'bad-value'],
    ['token cut short', '42 01 00 01 aa', 4, 'truncated'],
    ['Empty message with a token', '41 00 00 01 01', 0, 'inconsistent'],
    ['Empty message with bytes after it', '60 00 00 01 ff 01', 4, 'trailing-bytes'],
    ['option delta nibble 15 (8.7 quirk frame)', '40 01 0f ff f1 00', 4, 'bad-value'],
    ['option length nibble 15', '40 01 00 01 bf', 4, 'bad-value'],
    ['payload marker with no payload', '40 01 00 01 b1 63 ff', 6, 'bad-value'],
    ['POST /r with a marker and nothing after it', '40 02 00 00 b1 72 ff', 6, 'bad-value'],
    ['option value cut short', '40 01 00 01 b3 63', 4, 'truncated'],
    ['option value cut short after a token', '41 01 00 01 01 b1 63 43 71 3d', 7, 'truncated'],
    ['1-byte extended delta missing', '40 01 00 01 d1', 4, 'truncated'],
    ['2-byte extended delta cut short', '40 01 00 01 e1 00', 4, 'truncated'],
    ['1-byte extended length missing', '40 01 00 01 1d', 4, 'truncated'],
    ['2-byte extended length cut short', '40 01 00 01 1e 00', 4, 'truncated'],
    ['option number beyond 16 bits', '40 01 00 01 e0 ff ff', 4, 'too-large'],
  ])('%s', (_what, bytes, offset, code) => {
    expectDecodeError(() => decodeCoap(hexBytes(bytes)), { layer: 'coap', code, offset });
  });

  test('the reason says what was wrong in the frame\'s own numbers', () => {
    expect(expectDecodeError(() => decodeCoap(hexBytes('49 01 00 00')), { layer: 'coap', code: 'bad-value' }).message).toBe('coap: token length 9 exceeds 8 at byte 0');
    expect(expectDecodeError(() => decodeCoap(hexBytes('41 01 00 01 01 b1 63 43 71 3d')), { layer: 'coap', code: 'truncated' }).message).toBe(
      'coap: option 15 value truncated: 2 of 3 bytes at byte 7',
    );
  });
});

describe('encodeCoap', () => {
  test('writes Uri-Path one option per segment and Uri-Query one per parameter, no Content-Format', () => {
    const bytes = encodeCoap({ type: 'CON', code: '0.01', messageId: 0x0102, uriPath: ['c', '75', '2'], uriQuery: ['q=1', 'a=2'] });
    expect(toHex(bytes, ' ')).toBe('40 01 01 02 b1 63 02 37 35 01 32 43 71 3d 31 03 61 3d 32');
  });

  test('builds the documented POST /r header and the 2.03 ACK', () => {
    const payload = hexBytes('0d 09 08 14 12 01 32 12 02 32 32');
    expect(toHex(encodeCoap({ type: 'CON', code: '0.02', messageId: 0, uriPath: ['r'], payload }).subarray(0, 7), ' ')).toBe('40 02 00 00 b1 72 ff');
    expect(encodeCoap({ type: 'ACK', code: '2.03', messageId: 0, payload })).toEqual(hexBytes('60 43 00 00 ff 0d 09 08 14 12 01 32 12 02 32 32'));
  });

  test('uses the 13 and 14 extended forms for delta and length', () => {
    const value = new Uint8Array(300).fill(0x61);
    const bytes = encodeCoap({ type: 'NON', code: '0.02', messageId: 1, options: [{ number: 35, value }, { number: 2000, value: hexBytes('01') }] });
    // 35 = 13 + 22; 300 = 269 + 31; 2000 - 35 = 1965 = 269 + 0x06a0
    expect(toHex(bytes.subarray(0, 8), ' ')).toBe('50 02 00 01 de 16 00 1f');
    expect(toHex(bytes.subarray(308), ' ')).toBe('e1 06 a0 01');
    expect(decodeCoap(bytes).options.map((o) => [o.number, o.value.length])).toEqual([[35, 300], [2000, 1]]);
  });

  test('orders options by number, keeps repeated ones in order, and ignores 11/15 in options', () => {
    const m = encodeCoap({
      type: 'CON', code: '0.01', messageId: 7,
      options: [{ number: 60, value: hexBytes('01') }, { number: 11, value: ascii('ignored') }, { number: 4, value: hexBytes('aa') }, { number: 4, value: hexBytes('bb') }],
      uriPath: ['c'],
    });
    expect(decodeCoap(m).options.map((o) => [o.number, toHex(o.value, ' ')])).toEqual([[4, 'aa'], [4, 'bb'], [11, '63'], [60, '01']]);
  });

  test('is not capped at 1280 bytes (coap-packet generate is)', () => {
    const payload = new Uint8Array(1500).fill(7);
    const m = decodeCoap(encodeCoap({ type: 'NON', code: '0.02', messageId: 9, uriPath: ['c'], payload }));
    expect(m.payload).toEqual(payload);
  });

  test.each<[string, Parameters<typeof encodeCoap>[0]]>([
    ['a 9-byte token', { type: 'CON', code: '0.01', messageId: 1, token: new Uint8Array(9) }],
    ['code 2.5', { type: 'ACK', code: '2.5', messageId: 1 }],
    ['code 8.00', { type: 'ACK', code: '8.00', messageId: 1 }],
    ['code 2.32', { type: 'ACK', code: '2.32', messageId: 1 }],
    ['MID 65536', { type: 'CON', code: '0.01', messageId: 65536 }],
    ['an Empty message with a payload', { type: 'ACK', code: '0.00', messageId: 1, payload: hexBytes('01') }],
    ['type XYZ', { type: 'XYZ' as 'CON', code: '0.01', messageId: 1 }],
  ])('refuses %s with a RangeError', (_what, msg) => {
    expect(() => encodeCoap(msg)).toThrow(RangeError);
  });
});

describe('code helpers', () => {
  test('names, classes and kinds', () => {
    expect(codeName('2.05')).toBe('2.05 Content');
    expect(codeName('4.03')).toBe('4.03 Forbidden');
    expect(codeName('0.02')).toBe('0.02 POST');
    expect(codeName('3.07')).toBe('3.07');
    expect(codeClass('4.04')).toBe(4);
    expect(codeClass('0.01')).toBe(0);
    expect(isRequest('0.01')).toBe(true);
    expect(isRequest({ code: '0.04' })).toBe(true);
    expect(isRequest('0.00')).toBe(false);
    expect(isRequest('2.05')).toBe(false);
    expect(isResponse('5.00')).toBe(true);
    expect(isResponse('0.00')).toBe(false);
    expect(methodCode('POST')).toBe('0.02');
    expect(methodCode('0.05')).toBe('0.05');
    expect(() => methodCode('FOO')).toThrow(RangeError);
  });
});
