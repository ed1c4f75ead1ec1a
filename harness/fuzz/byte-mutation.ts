/**
 * Byte-level mutation shared by the decoder fuzz job (bench/fuzz) and `hil fuzz`: input i of a run
 * is a pure function of (seed, i), so any escape, hang or device crash is reproduced from its index
 * alone. Most inputs are a valid seed with a few mutations (they get past the first length check);
 * some are bytes with no structure at all.
 */

/** mulberry32: small, fast, good enough to spread mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x0a, 0x0d, 0x3a, 0x26, 0x2a, 0xc0, 0xdb];

export function fuzzInput(seeds: readonly Uint8Array[], seed: number, index: number): Uint8Array {
  const r = prng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const int = (n: number): number => Math.floor(r() * n);
  if (r() < 0.05) return Uint8Array.from({ length: int(512) }, () => int(256));
  let b = Array.from(seeds[int(seeds.length)]!);
  const rounds = 1 + int(8);
  for (let k = 0; k < rounds; k++) {
    const at = int(b.length + 1);
    switch (int(8)) {
      case 0:
        if (b.length) b[Math.min(at, b.length - 1)]! ^= 1 << int(8);
        break;
      case 1:
        if (b.length) b[Math.min(at, b.length - 1)] = int(256);
        break;
      case 2:
        if (b.length) b[Math.min(at, b.length - 1)] = INTERESTING[int(INTERESTING.length)]!;
        break;
      case 3:
        b.splice(at, 0, ...Array.from({ length: 1 + int(16) }, () => int(256)));
        break;
      case 4:
        b.splice(at, 1 + int(16));
        break;
      case 5: {
        const from = int(b.length + 1);
        b.splice(at, 0, ...b.slice(from, from + 1 + int(64)));
        break;
      }
      case 6:
        b = b.slice(0, int(b.length + 1));
        break;
      case 7:
        // A 32-bit field set to an extreme: lengths and counts are where decoders go wrong.
        for (let j = 0; j < 4 && at + j < b.length; j++) b[at + j] = r() < 0.5 ? 0xff : 0x00;
        break;
    }
  }
  return Uint8Array.from(b);
}
