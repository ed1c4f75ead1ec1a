/**
 * RFC 1071 Internet checksum, shared by UDP (and any later ICMPv6/TCP).
 *
 * Sums are kept unfolded in a plain number and folded once at the end: a JS number holds 53 bits,
 * so a packet would need to be ~2^37 bytes before the running sum lost precision, and deferring the
 * end-around carry keeps the per-byte loop to one add.
 */

/** Adds the big-endian 16-bit words of `b[start..end)` to `acc` (a trailing odd byte is padded with zero). */
export function sum16(b: Uint8Array, start = 0, end = b.length, acc = 0): number {
  let i = start;
  const last = end - 1;
  for (; i < last; i += 2) acc += (b[i]! << 8) | b[i + 1]!;
  if (i < end) acc += b[i]! << 8;
  return acc;
}

/** Folds an unfolded sum into 16 bits with end-around carry. */
export function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc % 0x10000) + Math.floor(acc / 0x10000);
  return acc;
}

/** Unfolded sum of the IPv6 pseudo-header (RFC 8200 section 8.1). */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, upperLength: number, nextHeader: number): number {
  let acc = sum16(src, 0, 16);
  acc = sum16(dst, 0, 16, acc);
  // The 32-bit length splits into two words; the high one is zero for anything below 64 KiB.
  return acc + Math.floor(upperLength / 0x10000) + (upperLength & 0xffff) + nextHeader;
}
