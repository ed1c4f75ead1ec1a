import { toHex } from '../../../../core/bytes.js';
import fc from 'fast-check';
import { countBlocks, encodeBitmap, hasBlock, markBlock, missingBlocks } from '../../../../harness/csmp/image/block-bitmap.js';

test('most significant bit first: block 0 of 10 received is 80 00 (csmp-protocol.md 6.7)', () => {
  expect(toHex(encodeBitmap([0], 10))).toBe('8000');
  expect(toHex(encodeBitmap([0, 1, 8, 9], 10))).toBe('c0c0');
  expect(missingBlocks(Uint8Array.of(0xc0, 0x40), 10)).toEqual([2, 3, 4, 5, 6, 7, 8]);
});

test('bitmapOffset: blocks before the window count as received, blocks after it as missing', () => {
  // Window of 8 blocks starting at block 16: blocks 16 and 23 received.
  const w = Uint8Array.of(0x81);
  expect(missingBlocks(w, 26, 16)).toEqual([17, 18, 19, 20, 21, 22, 24, 25]);
  expect(hasBlock(w, 3, 16)).toBe(true);
  expect(countBlocks(w, 26, 16)).toBe(18);
});

test('encode, mark and read agree for any set of blocks', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1024 }).chain((total) => fc.tuple(fc.constant(total), fc.uniqueArray(fc.nat(total - 1)))), ([total, blocks]) => {
      const map = encodeBitmap(blocks, total);
      expect(map.length).toBe(Math.ceil(total / 8));
      const set = new Set(blocks);
      expect(missingBlocks(map, total)).toEqual([...Array(total).keys()].filter((b) => !set.has(b)));
      const again = new Uint8Array(map.length);
      for (const b of blocks) expect(markBlock(again, b)).toBe(true);
      for (const b of blocks) expect(markBlock(again, b)).toBe(false);
      expect(again).toEqual(map);
    }),
  );
  expect(() => encodeBitmap([10], 10)).toThrow('block 10 is outside 0..9');
});
