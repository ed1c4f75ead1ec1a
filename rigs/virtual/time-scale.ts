/**
 * Rig time under a time scale: `scale` device seconds pass per real second, so minute-long
 * registration and report intervals take milliseconds to seconds in CI. One TimeScale drives the
 * whole rig, and the harness's NMS should use it as its Clock too (`rig.clock`): then the
 * SignatureValidity windows the NMS writes and the CurrentTime meters report are measured on the
 * same time line, and only a configured skew makes them disagree.
 *
 * `now()` is "true" time on that line (epoch + scaled elapsed), `monotonic()` scaled elapsed
 * time since the rig started; timers take scaled milliseconds.
 */
import type { Clock } from '../../harness/clock.js';
import { BoardClock } from './board/clock.js';

export class TimeScale implements Clock {
  private readonly realStart = performance.now();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    readonly scale: number,
    readonly epochMs: number = Date.now(),
  ) {
    if (!(scale > 0)) throw new TypeError(`"timeScale" must be positive, got ${scale}`);
  }

  now(): number {
    return this.epochMs + this.monotonic();
  }

  monotonic(): number {
    return (performance.now() - this.realStart) * this.scale;
  }

  /** Real milliseconds for `ms` of scaled time. */
  toReal(ms: number): number {
    return ms / this.scale;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, Math.max(0, ms / this.scale));
    this.timers.add(t);
    return t;
  }

  clearTimeout(handle: unknown): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
    this.timers.delete(handle as ReturnType<typeof setTimeout>);
  }

  /** Real-time timers tracked like this clock's own, for board clocks (they scale by themselves). */
  readonly realTimers = {
    setTimeout: (fn: () => void, ms: number): unknown => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        fn();
      }, Math.max(0, ms));
      this.timers.add(t);
      return t;
    },
    clearTimeout: (handle: unknown): void => this.clearTimeout(handle),
  };

  /** A board clock on this time line (same scale and epoch), `skewMs` off true time. */
  boardClock(skewMs = 0): BoardClock {
    return new BoardClock({ scale: this.scale, base: this.now(), offsetSeconds: skewMs / 1000, timers: this.realTimers });
  }

  /** Cancels every timer still pending (rig stop). */
  clearAll(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
