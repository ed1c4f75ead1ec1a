/**
 * glibc's `srand()`/`random()` (the TYPE_3 additive feedback generator, degree 31, separation 3).
 *
 * Why this generator and not any seeded PRNG: the reference agent's Linux OSAL re-seeds with
 * `srand(eui64[6] << 8 | eui64[7])` every time it starts a trickle timer and draws with
 * `random()` (csmp-protocol.md 6.2). Reproducing glibc's sequence makes a virtual meter retry at
 * exactly the seconds the real sample would: with EUI-64 ...2AB2 and bounds 10/20 s the doc
 * observed `/r` at 0, 17 and 36 s, which this generator gives.
 *
 * Written from the published algorithm (Park–Miller seeding of 31 words, 310 discarded outputs,
 * r[i] = r[i-31] + r[i-3] mod 2^32, output r >> 1); test/rigs/virtual/meter/glibc-random.test.ts
 * checks it against libc itself.
 */
const DEGREE = 31;
const SEPARATION = 3;

export class GlibcRandom {
  private readonly state = new Int32Array(DEGREE);
  private front = SEPARATION;
  private rear = 0;

  constructor(seed = 1) {
    this.srand(seed);
  }

  /** `srand(seed)`: same as glibc `srandom`; seed 0 behaves as 1. */
  srand(seed: number): void {
    const s = this.state;
    let word = (seed >>> 0) | 0;
    if (word === 0) word = 1;
    s[0] = word;
    for (let i = 1; i < DEGREE; i++) {
      // 16807 * word % 2147483647 without overflow (Schrage's method, as glibc writes it).
      const hi = Math.trunc(word / 127773);
      const lo = word % 127773;
      word = 16807 * lo - 2836 * hi;
      if (word < 0) word += 2147483647;
      s[i] = word;
    }
    this.front = SEPARATION;
    this.rear = 0;
    for (let i = 0; i < DEGREE * 10; i++) this.random();
  }

  /** `random()`: 0 .. 2^31-1. */
  random(): number {
    const s = this.state;
    s[this.front] = (s[this.front]! + s[this.rear]!) | 0;
    const result = (s[this.front]! >>> 1) & 0x7fffffff;
    if (++this.front >= DEGREE) this.front = 0;
    if (++this.rear >= DEGREE) this.rear = 0;
    return result;
  }
}

/** The seed the reference agent derives from a device's EUI-64 (last two bytes). */
export function trickleSeed(eui64: Uint8Array): number {
  return ((eui64[6] ?? 0) << 8) | (eui64[7] ?? 0);
}
