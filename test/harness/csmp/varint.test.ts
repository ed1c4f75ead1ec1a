import { expectDecodeError } from '../../support/errors.js';
import { encodeVarint, readVarint, varintSize, writeVarint } from '../../../harness/csmp/varint.js';
import { hexBytes } from '../../support/hex.js';
import { toHex } from '../../../core/bytes.js';

describe('readVarint', () => {
  it.each([
    ['4b', 75, 1],
    ['7f', 127, 1],
    ['8d01', 141, 2],
    ['b902', 313, 2],
    ['9400', 20, 2], // the agent's non-minimal length 20 (doc 4.1)
    ['c100', 65, 2],
    ['8201', 130, 2],
    ['8b2d', 5771, 2], // Cisco PEN
    ['8080808000', 0, 5],
    ['ffffffff0f', 0xffffffff, 5],
    ['80808080808080808000', 0, 10],
  ])('%s → %d (%d bytes)', (bytes, value, length) => {
    expect(readVarint(hexBytes(bytes), 0)).toEqual({ value, length });
  });

  it('reads at an offset', () => {
    expect(readVarint(hexBytes('00 00 94 00'), 2)).toEqual({ value: 20, length: 2 });
  });

  it.each([
    ['', 'truncated'],
    ['94', 'truncated'],
    ['ffff', 'truncated'],
    ['8080808080808080808000', 'too-large'],
    ['8080808010', 'too-large'],
  ] as const)('rejects %s: %s', (bytes, code) => {
    expectDecodeError(() => readVarint(hexBytes(bytes), 0), { layer: 'tlv', code, offset: 0 });
  });

  it('names the varint start as the offset', () => {
    expectDecodeError(() => readVarint(hexBytes('01 02 ff'), 2), { layer: 'tlv', code: 'truncated', offset: 2 });
  });
});

describe('writeVarint', () => {
  it.each([
    [0, '00'],
    [20, '14'],
    [127, '7f'],
    [128, '8001'],
    [141, '8d01'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [0xffffffff, 'ffffffff0f'],
  ])('%d minimal → %s', (value, bytes) => {
    expect(toHex(encodeVarint(value))).toBe(bytes);
    expect(varintSize(value)).toBe(bytes.length / 2);
  });

  it('pads to the agent two-byte slot', () => {
    expect(toHex(encodeVarint(20, 2))).toBe('9400');
    expect(toHex(encodeVarint(8, 2))).toBe('8800');
    expect(toHex(encodeVarint(130, 2))).toBe('8201');
    expect(toHex(encodeVarint(0, 2))).toBe('8000');
  });

  it('returns the next offset', () => {
    const out = new Uint8Array(4);
    expect(writeVarint(out, 1, 20, 2)).toBe(3);
    expect(toHex(out)).toBe('00940000');
  });

  it('refuses widths that cannot hold the value and values outside 32 bits', () => {
    expect(() => encodeVarint(128, 1)).toThrow(RangeError);
    expect(() => encodeVarint(1, 11)).toThrow(RangeError);
    expect(() => encodeVarint(-1)).toThrow(RangeError);
    expect(() => encodeVarint(2 ** 32)).toThrow(RangeError);
    expect(() => encodeVarint(1.5)).toThrow(RangeError);
  });
});
