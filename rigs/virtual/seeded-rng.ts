/**
 * A small seeded generator (mulberry32) for everything the virtual rig randomises apart from the
 * agent's own trickle timers: mesh loss and jitter, so that a run with the same seed repeats.
 * `fork(label)` derives an independent stream per meter and direction, so that one meter's
 * traffic never shifts another's loss pattern.
 */
export class SeededRng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  fork(label: string): SeededRng {
    let h = this.state ^ 0x811c9dc5;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new SeededRng(h >>> 0);
  }
}
