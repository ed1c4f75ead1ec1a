/**
 * A line of output written as bytes, piece by piece, into one growing buffer. `hil decode` renders
 * a million frames a minute: building each line as a JavaScript string made a rope of dozens of
 * pieces that had to be flattened and then encoded, and that was most of a `--json` decode. What
 * the decoder writes itself (punctuation, names, hex, numbers) is ASCII and goes in byte by byte;
 * only text of unknown content is encoded as UTF-8.
 */
const HEX_PAIRS = (() => {
  const t = new Uint16Array(256);
  const d = '0123456789abcdef';
  // Both hex digits of a byte in one 16-bit entry: high digit in the low byte, as they are stored.
  for (let i = 0; i < 256; i++) t[i] = d.charCodeAt(i >> 4) | (d.charCodeAt(i & 15) << 8);
  return t;
})();

export class ByteWriter {
  buf: Buffer;
  pos = 0;

  /** A size to start with, or a buffer to write into (grown, not reused, when it is too small). */
  constructor(initial: number | Buffer = 4096) {
    this.buf = typeof initial === 'number' ? Buffer.allocUnsafe(initial) : initial;
  }

  reset(): void {
    this.pos = 0;
  }

  /** The bytes written since the last reset (a view: valid until the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** ASCII text the caller vouches for (literals, names it made). */
  ascii(s: string): void {
    const n = s.length;
    this.room(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Any text: ASCII byte by byte, anything else as UTF-8. */
  text(s: string): void {
    const n = s.length;
    this.room(n);
    const b = this.buf;
    const start = this.pos;
    let p = start;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        this.pos = start;
        this.utf8(s);
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  /** The bytes written since the last reset, as a string. */
  toString(): string {
    return this.buf.toString('utf8', 0, this.pos);
  }

  /** Any text, as UTF-8. */
  utf8(s: string): void {
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.pos++] = c;
  }

  /** Lowercase hex of `bytes`, no separators (what toHex makes). */
  hex(bytes: Uint8Array): void {
    const n = bytes.length;
    this.room(n * 2);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const pair = HEX_PAIRS[bytes[i]!]!;
      b[p++] = pair & 0xff;
      b[p++] = pair >> 8;
    }
    this.pos = p;
  }

  /** A number as String(n) writes it. */
  number(n: number): void {
    if (n >= 0 && n <= 0x7fffffff && (n | 0) === n) {
      this.room(10);
      const b = this.buf;
      if (n < 10) {
        b[this.pos++] = 48 + n;
        return;
      }
      let digits = 1;
      for (let x = n; x >= 10; x = (x / 10) | 0) digits++;
      let p = this.pos + digits;
      this.pos = p;
      for (let x = n; x > 0; x = (x / 10) | 0) b[--p] = 48 + (x % 10);
      return;
    }
    this.ascii(String(n));
  }

  /** JSON.stringify(s): plain printable ASCII directly, anything else through JSON.stringify. */
  jsonString(s: string): void {
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        this.utf8(JSON.stringify(s));
        return;
      }
    }
    this.room(n + 2);
    const b = this.buf;
    let p = this.pos;
    b[p++] = 0x22;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    b[p++] = 0x22;
    this.pos = p;
  }
}
