/**
 * The [TPD] header CRC (poly 04C11DB7, MSB first, init 0, no reflection, no final XOR), checked
 * three independent ways: the catalogue check value, a bit-at-a-time reference written here
 * differently from the table-driven code, and coreutils `cksum` (CRC-32/CKSUM is the same CRC
 * with the length appended and a final XOR of ~0).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { tpdCrc32 } from '../../../../harness/csmp/image/tpd-crc32.js';

/** Shifts the message through the register one bit at a time, as the polynomial division is written on paper. */
function bitwiseCrc(bytes: Uint8Array): number {
  let reg = 0n;
  const poly = 0x104c11db7n;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      reg = (reg << 1n) | BigInt((byte >> bit) & 1);
      if (reg & 0x100000000n) reg ^= poly;
    }
  }
  // Augment with 32 zero bits: init 0 and no reflection make the division the plain remainder.
  for (let i = 0; i < 32; i++) {
    reg <<= 1n;
    if (reg & 0x100000000n) reg ^= poly;
  }
  return Number(reg);
}

/** cksum's length suffix: the byte count, least significant byte first, without leading zero bytes. */
function cksumLengthBytes(n: number): Uint8Array {
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.push(v & 0xff);
  return Uint8Array.from(out);
}

test('check value of "123456789" is 0x89a1897f (CRC-32/CKSUM 0x765e7680 without its final XOR)', () => {
  expect(tpdCrc32(new TextEncoder().encode('123456789'))).toBe(0x89a1897f);
  expect(tpdCrc32(new Uint8Array(0))).toBe(0);
});

test('equals the bit-at-a-time division for any bytes, and continues across chunks', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (bytes, cut) => {
      const at = Math.min(cut, bytes.length);
      expect(tpdCrc32(bytes)).toBe(bitwiseCrc(bytes));
      expect(tpdCrc32(bytes.subarray(at), tpdCrc32(bytes.subarray(0, at)))).toBe(tpdCrc32(bytes));
    }),
  );
});

test('agrees with coreutils cksum on files of several sizes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-crc-'));
  try {
    for (const size of [0, 1, 252, 256, 4099]) {
      const data = Uint8Array.from({ length: size }, (_, i) => (i * 131 + 7) & 0xff);
      const file = join(dir, `f${size}`);
      writeFileSync(file, data);
      const expected = Number(execFileSync('cksum', [file], { encoding: 'utf8' }).split(' ')[0]);
      const ours = (~tpdCrc32(cksumLengthBytes(size), tpdCrc32(data))) >>> 0;
      expect({ size, crc: ours }).toEqual({ size, crc: expected });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
