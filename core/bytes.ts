/** Lowercase hex, the form bytes take in JSON, reports and the printer. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `separator` goes between bytes ('41 01 00 01'), the form a protocol document prints them in. */
export function toHex(bytes: Uint8Array, separator = ''): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += i > 0 && separator ? separator + HEX[bytes[i]!] : HEX[bytes[i]!];
  return s;
}

/** Bytes of `text` (either case, no separators), or undefined when it is not hex. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Same length, same bytes. An absent side never matches (an absent file hash names no image). */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
