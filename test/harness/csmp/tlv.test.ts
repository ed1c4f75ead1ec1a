import fc from 'fast-check';
import { DecodeError } from '../../../core/errors.js';
import { decodeTlvs, encodedTlvSize, encodeTlv, encodeTlvs, scanTlvs, type Tlv } from '../../../harness/csmp/tlv.js';
import { expectDecodeError } from '../../support/errors.js';
import {
  GET_INTERFACEMETRICS_PAYLOAD,
  GET_TLVINDEX_PAYLOAD,
  VENDOR_TLV_SUBTYPE1,
} from './vectors.js';
import { FND_RESPONSE_PAYLOAD, REGISTER_PAYLOAD } from '../../support/register-vector.js';
import { hexBytes } from '../../support/hex.js';
import { toHex } from '../../../core/bytes.js';

function headers(payload: Uint8Array, tlvs: Tlv[]): string[] {
  return tlvs.map((t) => toHex(payload.subarray(t.offset, t.valueOffset)));
}

describe('decodeTlvs on csmp_register.pcap frame 1 (doc 8.3)', () => {
  const payload = hexBytes(REGISTER_PAYLOAD);
  const tlvs = decodeTlvs(payload);

  it('is 595 bytes of 15 TLVs', () => {
    expect(payload.length).toBe(595);
    expect(tlvs.map((t) => t.type)).toEqual([2, 18, 11, 12, 12, 16, 16, 16, 17, 23, 23, 25, 35, 53, 75]);
  });

  it('has the offsets, header bytes and lengths of the doc table', () => {
    expect(tlvs.map((t) => t.offset)).toEqual([0, 23, 34, 135, 156, 191, 227, 263, 298, 347, 370, 395, 422, 464, 500]);
    expect(headers(payload, tlvs)).toEqual([
      '029400', '128800', '0be200', '0c9200', '0ca000', '10a100', '10a100', '10a000',
      '11ae00', '179400', '179600', '199800', '23a700', '35a100', '4bdc00',
    ]);
    expect(tlvs.map((t) => t.value.length)).toEqual([20, 8, 98, 18, 32, 33, 33, 32, 46, 20, 22, 24, 39, 33, 92]);
  });

  it('records the agent length quirk: every length took two bytes (94 00 = 20)', () => {
    expect(tlvs.every((t) => t.lengthBytes === 2)).toBe(true);
    expect(toHex(payload.subarray(1, 3))).toBe('9400');
    expect(tlvs[0]!.value.length).toBe(20);
  });

  it('returns values as views into the payload, not copies', () => {
    expect(tlvs[0]!.value.buffer).toBe(payload.buffer);
    expect(tlvs[0]!.value.byteOffset).toBe(payload.byteOffset + 3);
    expect(toHex(tlvs[0]!.value)).toBe('0801121030413030323746464645334232414232');
  });

  it('re-encodes byte for byte in the agent length style', () => {
    expect(toHex(encodeTlvs(tlvs, { lengthStyle: 'agent' }))).toBe(REGISTER_PAYLOAD);
    expect(toHex(encodeTlvs(tlvs, { lengthStyle: 'preserve' }))).toBe(REGISTER_PAYLOAD);
  });

  it('shrinks each header by one byte in the minimal style', () => {
    const minimal = encodeTlvs(tlvs, { lengthStyle: 'minimal' });
    expect(minimal.length).toBe(595 - 15);
    expect(toHex(minimal.subarray(0, 2))).toBe('0214');
  });
});

describe('decodeTlvs on other captured payloads', () => {
  it('FND registration response: minimal lengths (doc 8.4)', () => {
    const payload = hexBytes(FND_RESPONSE_PAYLOAD);
    const tlvs = decodeTlvs(payload);
    expect(tlvs.map((t) => [t.offset, t.type, t.value.length, t.lengthBytes])).toEqual([
      [0, 13, 9, 1],
      [11, 7, 3, 1],
      [16, 76, 12, 1],
      [30, 77, 88, 1],
    ]);
    expect(headers(payload, tlvs)).toEqual(['0d09', '0703', '4c0c', '4d58']);
    expect(toHex(encodeTlvs(tlvs, { lengthStyle: 'minimal' }))).toBe(FND_RESPONSE_PAYLOAD);
  });

  it('TlvIndex answer: length 65 as c1 00', () => {
    const tlvs = decodeTlvs(hexBytes(GET_TLVINDEX_PAYLOAD));
    expect(tlvs).toHaveLength(1);
    expect(tlvs[0]).toMatchObject({ type: 1, offset: 0, lengthBytes: 2, valueOffset: 3 });
    expect(tlvs[0]!.value.length).toBe(65);
  });

  it('table TLVs repeat their type', () => {
    const tlvs = decodeTlvs(hexBytes(GET_INTERFACEMETRICS_PAYLOAD));
    expect(tlvs.map((t) => [t.type, t.value.length])).toEqual([[23, 20], [23, 22]]);
  });

  it('an empty payload has no TLVs', () => {
    expect(decodeTlvs(new Uint8Array(0))).toEqual([]);
  });

  it('accepts a zero-length value and long non-minimal lengths', () => {
    const tlvs = decodeTlvs(hexBytes('1600 16 8080808000 4b 8100 ab'));
    expect(tlvs.map((t) => [t.type, t.value.length, t.lengthBytes])).toEqual([
      [22, 0, 1],
      [22, 0, 5],
      [75, 1, 2],
    ]);
  });

  it('reads two-byte types (141 = 8d 01)', () => {
    const tlvs = decodeTlvs(hexBytes('8d01 02 0800'));
    expect(tlvs[0]).toMatchObject({ type: 141, offset: 0, valueOffset: 3, lengthBytes: 1 });
  });
});

describe('vendor TLVs (doc 4.2)', () => {
  it('reads 7f | PEN | vendorType | Length in the agent layout', () => {
    const payload = hexBytes(VENDOR_TLV_SUBTYPE1 + VENDOR_TLV_SUBTYPE1.replace('08011220' + '01'.repeat(32), '08021220' + '02'.repeat(32)));
    const tlvs = decodeTlvs(payload);
    expect(tlvs).toHaveLength(2);
    expect(tlvs[0]).toMatchObject({ type: 127, vendor: { pen: 5771, vendorType: 127 }, offset: 0, lengthBytes: 2, valueOffset: 6 });
    expect(tlvs[0]!.value.length).toBe(36);
    expect(tlvs[1]!.offset).toBe(42);
    expect(toHex(encodeTlvs(tlvs, { lengthStyle: 'agent' }))).toBe(toHex(payload));
  });

  it('frames type 127 like any TLV in the draft layout', () => {
    const tlvs = decodeTlvs(hexBytes('7f 05 01 03 8b 2d 00'), { vendorLayout: 'draft' });
    expect(tlvs).toHaveLength(1);
    expect(tlvs[0]!.vendor).toBeUndefined();
    expect(toHex(tlvs[0]!.value)).toBe('01038b2d00');
    expect(toHex(encodeTlvs(tlvs, { lengthStyle: 'minimal', vendorLayout: 'draft' }))).toBe('7f0501038b2d00');
  });

  it('encoding type 127 in the agent layout needs a vendor id', () => {
    expect(() => encodeTlvs([{ type: 127, value: new Uint8Array(1) }], { lengthStyle: 'agent' })).toThrow(RangeError);
    expect(() => encodeTlvs([{ type: 2, vendor: { pen: 1, vendorType: 1 }, value: new Uint8Array(1) }], { lengthStyle: 'agent' })).toThrow(
      RangeError,
    );
  });
});

describe('framing errors', () => {
  it.each([
    // [payload, offset]: every framing fault is a field or value cut short
    ['02', 1],
    ['0294', 1],
    ['02940008', 1],
    ['1682000800 0203', 6],
    ['7f', 1],
    ['7f8b', 1],
    ['7f8b2d', 3],
    ['7f8b2d7f', 4],
    ['7f8b2d7fa400 0801', 4],
    ['ff', 0],
  ])('%s → truncated at offset %d', (bytes, offset) => {
    expectDecodeError(() => decodeTlvs(hexBytes(bytes)), { layer: 'tlv', code: 'truncated', offset });
  });

  it('a value running past the payload names the TLV, where it starts and both lengths', () => {
    const e = expectDecodeError(() => decodeTlvs(hexBytes('1682000800 0203')), { layer: 'tlv', code: 'truncated', offset: 6 });
    expect(e.message).toBe('tlv: TLV 2 at byte 5 declares 3 value bytes, 0 left at byte 6');
  });

  it('scanTlvs keeps what was framed before the fault', () => {
    const payload = hexBytes(REGISTER_PAYLOAD).subarray(0, 300);
    const scan = scanTlvs(payload);
    expect(scan.tlvs.map((t) => t.type)).toEqual([2, 18, 11, 12, 12, 16, 16, 16]);
    expect(scan.error).toBeInstanceOf(DecodeError);
    expect(scan.error).toMatchObject({ layer: 'tlv', offset: 299, code: 'truncated' });
  });

  it('scanTlvs on a clean payload has no error', () => {
    expect(scanTlvs(hexBytes(FND_RESPONSE_PAYLOAD)).error).toBeUndefined();
  });
});

describe('encodeTlvs length styles', () => {
  const value = (n: number) => new Uint8Array(n).fill(0xaa);

  it.each([
    [1, 'minimal', '1601'],
    [1, 'agent', '168100'],
    [20, 'agent', '169400'],
    [127, 'agent', '16ff00'],
    [128, 'agent', '168001'],
    [128, 'minimal', '168001'],
    [16383, 'agent', '16ff7f'],
    [0, 'agent', '168000'],
    [0, 'minimal', '1600'],
  ] as const)('%d bytes, %s → header %s', (n, lengthStyle, header) => {
    const out = encodeTlvs([{ type: 22, value: value(n) }], { lengthStyle });
    expect(toHex(out.subarray(0, header.length / 2))).toBe(header);
    expect(out.length).toBe(header.length / 2 + n);
  });

  it('the agent style cannot frame 16384 bytes or more', () => {
    expect(() => encodeTlvs([{ type: 22, value: value(16384) }], { lengthStyle: 'agent' })).toThrow(RangeError);
    expect(encodeTlvs([{ type: 22, value: value(16384) }], { lengthStyle: 'minimal' }).length).toBe(1 + 3 + 16384);
  });

  it('preserve keeps a wider length but never a too narrow one', () => {
    expect(toHex(encodeTlvs([{ type: 22, value: value(1), lengthBytes: 3 }], { lengthStyle: 'preserve' }))).toBe('16818000aa');
    expect(toHex(encodeTlvs([{ type: 22, value: value(200), lengthBytes: 1 }], { lengthStyle: 'preserve' }).subarray(0, 3))).toBe('16c801');
  });
});

describe('encodedTlvSize', () => {
  const styles = ['minimal', 'agent', 'preserve'] as const;
  const tlvArb = fc.record({
    type: fc.oneof(fc.constant(127), fc.integer({ min: 0, max: 2 ** 21 })),
    vendor: fc.option(fc.record({ pen: fc.integer({ min: 0, max: 2 ** 28 }), vendorType: fc.integer({ min: 0, max: 2 ** 14 }) }), { nil: undefined }),
    value: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 16380, max: 16390 }).map((n) => new Uint8Array(n))),
    lengthBytes: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  });

  test('is the length encodeTlv gives, in every style and vendor layout, and throws where it throws for a length', () => {
    fc.assert(
      fc.property(tlvArb, fc.constantFrom(...styles), fc.constantFrom('agent' as const, 'draft' as const), (t, lengthStyle, vendorLayout) => {
        const opts = { lengthStyle, vendorLayout };
        let encoded: Uint8Array | Error;
        try {
          encoded = encodeTlv(t, opts);
        } catch (e) {
          encoded = e as Error;
        }
        if (!(encoded instanceof Error)) expect(encodedTlvSize(t, opts)).toBe(encoded.length);
        else if (encoded.message.startsWith('agent length style')) expect(() => encodedTlvSize(t, opts)).toThrow(encoded.message);
      }),
      { numRuns: 2000 },
    );
  });
});
