/**
 * The reference agent's trickle timers (Linux OSAL, csmp-protocol.md 6.2), per meter.
 *
 * Four slots fire in slot order from one alarm, on whole seconds of the device wall clock:
 *   start:  srand(seed); t0 = now + random() % imin; I = imin;
 *           tfire = t0 + I/2 + random() % (I - I/2)
 *   fire:   t0 += I; I = min(2I, imax); callback(); tfire = t0 + I/2 + random() % (I - I/2)
 * The generator is shared by the slots and re-seeded from the EUI-64 at every start, so a
 * device repeats the same delays. The draw after a callback happens even when the callback
 * stopped or restarted the slot, as in the C code: it moves the shared generator.
 * `imin = 0` divides by zero in the C code (the interval-0 SIGFPE of doc 6.4): start() throws
 * AgentCrash for it.
 */
import { AgentCrash, ClockUnreadable, type DeviceTime } from './device-time.js';
import type { GlibcRandom } from './glibc-random.js';

// 'reboot' is the sample's delayed RebootRequest (bounds 5 s, doc 5.4); it fires after the OSAL's four.
// 'watchdog' is the reboot-loop model's reset, the board's rather than the agent's.
export const TIMER_SLOTS = ['reg', 'rpt', 'lrq', 'async', 'reboot', 'watchdog'] as const;
export type TimerSlot = (typeof TIMER_SLOTS)[number];

interface Trickle {
  t0: number;
  tfire: number;
  icur: number;
  imin: number;
  imax: number;
  running: boolean;
  fired: () => void;
}

export class OsalTimers {
  private readonly slots = new Map<TimerSlot, Trickle>();
  private alarm: unknown;
  private closed = false;

  constructor(
    private readonly time: DeviceTime,
    private readonly rng: GlibcRandom,
    private readonly seed: number,
    /** Called when a callback throws (the agent decides whether that is a crash). */
    private readonly onError: (e: unknown) => void,
  ) {}

  /**
   * `firstAt` (device second) pins the first firing, as a timer that was already running when
   * the board's state was saved between runs; the interval after it is drawn as usual.
   */
  start(slot: TimerSlot, imin: number, imax: number, fired: () => void, firstAt?: number): void {
    if (imin <= 0) throw new AgentCrash('SIGFPE', `trickle timer '${slot}' started with interval ${imin} (random() % 0)`);
    this.rng.srand(this.seed);
    const now = this.nowSec();
    const t0 = firstAt !== undefined ? firstAt - imin : now + (this.rng.random() % imin);
    const t: Trickle = { t0, tfire: 0, icur: imin, imin, imax: Math.max(imax, imin), running: true, fired };
    t.tfire = firstAt ?? t.t0 + this.draw(t.icur);
    this.slots.set(slot, t);
    this.rearm();
  }

  stop(slot: TimerSlot): void {
    const t = this.slots.get(slot);
    if (t) t.running = false;
    this.rearm();
  }

  isRunning(slot: TimerSlot): boolean {
    return this.slots.get(slot)?.running ?? false;
  }

  /** Device second at which `slot` fires next, when it runs. */
  nextFire(slot: TimerSlot): number | undefined {
    const t = this.slots.get(slot);
    return t?.running ? t.tfire : undefined;
  }

  /** Stops every slot and the alarm; the object stays usable (a reboot starts timers again). */
  stopAll(): void {
    for (const t of this.slots.values()) t.running = false;
    this.disarm();
  }

  close(): void {
    this.closed = true;
    this.stopAll();
  }

  private draw(icur: number): number {
    const min = icur >>> 1;
    return min + (this.rng.random() % (icur - min));
  }

  /**
   * Whole seconds of the device wall clock. When the clock cannot be read (a lost RTC, modelled
   * for the signature checks) timers keep running on the monotonic clock from the last reading.
   */
  private nowSec(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  private wallOffset = 0;

  private nowMs(): number {
    try {
      const now = this.time.now();
      this.wallOffset = now - this.time.monotonic();
      return now;
    } catch (e) {
      if (!(e instanceof ClockUnreadable)) throw e;
      return this.time.monotonic() + this.wallOffset;
    }
  }

  private disarm(): void {
    if (this.alarm !== undefined) this.time.clearTimeout(this.alarm);
    this.alarm = undefined;
  }

  private rearm(): void {
    this.disarm();
    if (this.closed) return;
    let next: number | undefined;
    for (const t of this.slots.values()) if (t.running && (next === undefined || t.tfire < next)) next = t.tfire;
    if (next === undefined) return;
    const wait = Math.max(1, next * 1000 - this.nowMs());
    this.alarm = this.time.setTimeout(() => this.fire(), wait);
  }

  private fire(): void {
    this.alarm = undefined;
    for (const slot of TIMER_SLOTS) {
      const t = this.slots.get(slot);
      if (!t?.running) continue;
      if (t.tfire - this.nowSec() > 0) continue;
      t.t0 += t.icur;
      t.icur = Math.min(t.icur * 2, t.imax);
      try {
        t.fired();
      } catch (e) {
        this.onError(e);
        if (this.closed) return;
      }
      // The slot may have been restarted by its callback: the C code still redraws on it.
      const now = this.slots.get(slot)!;
      now.tfire = now.t0 + this.draw(now.icur);
    }
    this.rearm();
  }
}
