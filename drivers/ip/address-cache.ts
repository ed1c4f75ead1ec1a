/**
 * RFC 5952 text of addresses seen again and again. A capture or a link carries a handful of
 * addresses in millions of frames; formatting each one anew was a tenth of a decode. Direct
 * mapped: a slot holds the last address whose bytes hashed there, and a hit is checked byte for
 * byte, so a collision costs a format, never a wrong address.
 */
import { formatIpv6 } from './address.js';

const SLOTS = 256;
const keys = new Uint8Array(SLOTS * 16);
const texts: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

/** formatIpv6(b, offset), remembered. */
export function ipv6Text(b: Uint8Array, offset: number): string {
  // Interface ids differ in their last bytes, prefixes in their first: mix both ends.
  const slot = (b[offset + 15]! ^ (b[offset + 14]! << 3) ^ (b[offset + 7]! << 1) ^ b[offset + 3]!) & (SLOTS - 1);
  const k = slot * 16;
  const cached = texts[slot];
  if (cached !== undefined) {
    let same = true;
    for (let i = 0; i < 16; i++) {
      if (keys[k + i] !== b[offset + i]) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  const text = formatIpv6(b, offset);
  for (let i = 0; i < 16; i++) keys[k + i] = b[offset + i]!;
  texts[slot] = text;
  return text;
}
