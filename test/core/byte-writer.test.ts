/** ByteWriter writes what String, JSON.stringify, toHex and UTF-8 encoding would: the renderers' output depends on it. */
import fc from 'fast-check';
import { ByteWriter } from '../../core/byte-writer.js';
import { toHex } from '../../core/bytes.js';

function written(f: (w: ByteWriter) => void): string {
  const w = new ByteWriter();
  f(w);
  return w.toString();
}

describe('ByteWriter', () => {
  it('number() writes String(n) for every number', () => {
    for (const n of [0, 1, 9, 10, 99, 100, 2147483647, 2147483648, -1, -0, 0.5, 1e21, 1e-7, NaN, Infinity, -Infinity]) expect(written((w) => w.number(n))).toBe(String(n));
    fc.assert(fc.property(fc.oneof(fc.integer(), fc.double(), fc.nat()), (n) => written((w) => w.number(n)) === String(n)));
  });

  it('jsonString() writes JSON.stringify(s), escapes and non-ASCII included', () => {
    for (const s of ['', 'abc', 'a"b', 'a\\\\b', '\\n\\t', 'é', '\\u{1F600}', '\\ud800', '\\x7f']) expect(written((w) => w.jsonString(s))).toBe(JSON.stringify(s));
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => written((w) => w.jsonString(s)) === Buffer.from(JSON.stringify(s), 'utf8').toString('utf8')));
  });

  it('text() and utf8() write the UTF-8 of any text; ascii() of ASCII', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => written((w) => w.text(s)) === Buffer.from(s, 'utf8').toString('utf8')));
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => written((w) => w.utf8(s)) === s));
    expect(written((w) => w.ascii('GET /c'))).toBe('GET /c');
  });

  it('hex() writes toHex(bytes); pieces follow each other and the buffer grows past its first size', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 9000 }), (b) => written((w) => w.hex(b)) === toHex(b)));
    const w = new ByteWriter();
    for (let i = 0; i < 2000; i++) {
      w.ascii('#');
      w.number(i);
    }
    expect(w.toString()).toBe(Array.from({ length: 2000 }, (_, i) => `#${i}`).join(''));
    w.reset();
    w.byte(0x41);
    expect([...w.bytes()]).toEqual([0x41]);
  });
});
