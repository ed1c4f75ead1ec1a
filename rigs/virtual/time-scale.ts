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
import type { Clock } from '../../core/clock.js';
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
    // libuv runs timers on its cached loop time, which can trail performance.now(): a timer may
    // fire a fraction of a real millisecond early, which at scale 600 is a visible fraction of a
    // device second. A timer fires only once its scaled time has really passed, so a wait of 1m
    // is never 59.8 s on this clock.
    const due = this.monotonic() + Math.max(0, ms);
    const handle: { timer?: ReturnType<typeof setTimeout> } = {};
    const arm = (realMs: number): void => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        const left = due - this.monotonic();
        if (left > 0) arm(left / this.scale);
        else fn();
      }, realMs);
      handle.timer = t;
      this.timers.add(t);
    };
    arm(Math.max(0, ms / this.scale));
    return handle;
  }

  clearTimeout(handle: unknown): void {
    const t = (handle as { timer?: ReturnType<typeof setTimeout> } | undefined)?.timer;
    if (t === undefined) return;
    clearTimeout(t);
    this.timers.delete(t);
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
    clearTimeout: (handle: unknown): void => {
      clearTimeout(handle as ReturnType<typeof setTimeout>);
      this.timers.delete(handle as ReturnType<typeof setTimeout>);
    },
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
