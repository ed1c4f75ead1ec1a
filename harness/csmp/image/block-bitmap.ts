/**
 * The block bitmap of FirmwareImageInfo (TLV 75 field 7; csmp-protocol.md 6.7): one bit per
 * ImageBlock, most significant bit of the first byte = the first block, 1 = received, at most 128
 * bytes (1024 blocks). The draft's bitmapOffset (field 12) names the block of the first bit; the
 * reference agent never sends it, so it defaults to 0.
 *
 * No source says what a window that does not start at 0 means for the blocks before it. A device
 * moves the window forward because those blocks are done, so they count as received; blocks after
 * the window have not been reported yet and count as missing.
 */
export const MAX_BITMAP_BYTES = 128;

/** Whether `block` is marked in `bitmap` (whose first bit is block `offset`). */
export function hasBlock(bitmap: Uint8Array, block: number, offset = 0): boolean {
  const i = block - offset;
  if (i < 0) return true;
  const byte = bitmap[i >> 3];
  return byte !== undefined && (byte & (0x80 >> (i & 7))) !== 0;
}

/** Blocks of 0..total-1 the bitmap does not mark, ascending. */
export function missingBlocks(bitmap: Uint8Array, total: number, offset = 0): number[] {
  const out: number[] = [];
  for (let b = 0; b < total; b++) if (!hasBlock(bitmap, b, offset)) out.push(b);
  return out;
}

/** How many of 0..total-1 the bitmap marks. */
export function countBlocks(bitmap: Uint8Array, total: number, offset = 0): number {
  return total - missingBlocks(bitmap, total, offset).length;
}

/** A bitmap of `total` blocks (ceil(total/8) bytes) marking `blocks`. Throws RangeError for a block outside 0..total-1. */
export function encodeBitmap(blocks: Iterable<number>, total: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(total / 8));
  for (const b of blocks) {
    if (!Number.isInteger(b) || b < 0 || b >= total) throw new RangeError(`block ${b} is outside 0..${total - 1}`);
    out[b >> 3] = out[b >> 3]! | (0x80 >> (b & 7));
  }
  return out;
}

/** Marks `block` in place; false when it was already marked. */
export function markBlock(bitmap: Uint8Array, block: number): boolean {
  const bit = 0x80 >> (block & 7);
  const byte = bitmap[block >> 3];
  if (byte === undefined) throw new RangeError(`block ${block} is outside a ${bitmap.length}-byte bitmap`);
  if (byte & bit) return false;
  bitmap[block >> 3] = byte | bit;
  return true;
}
