/**
 * Paces messages to what the link carries: a token bucket at the link's byte rate (a SLIP
 * dongle's line: baud / 10 bytes per second), so the dongle never queues more than `burstBytes`,
 * and a window of unacknowledged messages sized from measured round trips (the bandwidth-delay
 * product plus one), so acknowledgements clock the sender. Time is the NMS clock: on the virtual
 * rig that is the rig's scaled time line, on which its dongle also runs its line rate.
 */
import type { Clock } from '../../../core/clock.js';

export interface PacerOptions {
  /** Link bytes per clock second; undefined: only the window paces. */
  bytesPerSecond?: number;
  /** Bytes the link may hold queued at once (default two 1100-byte frames). */
  burstBytes?: number;
  /** Upper bound of the window (default 8). */
  maxInFlight?: number;
  /** Window before any round trip is measured (default 2). */
  initialWindow?: number;
}

interface Waiter {
  bytes: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class LinkPacer {
  private tokens: number;
  private refilledAt: number;
  private inFlight = 0;
  private window: number;
  private srttMs: number | undefined;
  private readonly waiters: Waiter[] = [];
  private timer: unknown;
  private readonly rate: number | undefined;
  private readonly burst: number;
  private readonly maxInFlight: number;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    opts: PacerOptions = {},
  ) {
    if (opts.bytesPerSecond !== undefined && !(opts.bytesPerSecond > 0)) throw new RangeError(`bytesPerSecond must be positive, got ${opts.bytesPerSecond}`);
    this.rate = opts.bytesPerSecond;
    this.burst = opts.burstBytes ?? 2200;
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 8);
    this.window = Math.min(this.maxInFlight, Math.max(1, opts.initialWindow ?? 2));
    this.tokens = this.burst;
    this.refilledAt = clock.now();
  }

  /** Current window (messages). */
  get inFlightLimit(): number {
    return this.window;
  }

  get smoothedRttMs(): number | undefined {
    return this.srttMs;
  }

  /** Resolves when a message of `bytes` may be sent now; it then counts as in flight until done(). */
  acquire(bytes: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error('pacer closed'));
    return new Promise((resolve, reject) => {
      this.waiters.push({ bytes, resolve, reject });
      this.pump();
    });
  }

  /** The message left earlier was answered after `rttMs` (or given up: undefined). */
  done(rttMs?: number): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (rttMs !== undefined) {
      this.srttMs = this.srttMs === undefined ? rttMs : 0.875 * this.srttMs + 0.125 * rttMs;
      if (this.rate !== undefined) {
        // Bandwidth-delay product in 1100-byte frames, plus one so the line never idles on an ACK.
        const bdp = Math.ceil((this.rate * this.srttMs) / 1000 / 1100);
        this.window = Math.min(this.maxInFlight, Math.max(1, bdp + 1));
      }
    }
    this.pump();
  }

  /** Messages sent and not yet done(). */
  get outstanding(): number {
    return this.inFlight;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    for (const w of this.waiters.splice(0)) w.reject(new Error('pacer closed'));
  }

  private refill(): void {
    if (this.rate === undefined) return;
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.rate) / 1000);
    this.refilledAt = now;
  }

  private pump(): void {
    if (this.closed) return;
    this.refill();
    while (this.waiters.length > 0 && this.inFlight < this.window) {
      // A message may leave while the bucket is not empty; it may drive it into debt, which the
      // next one waits out: the long-run rate is exact whatever the message sizes.
      if (this.rate !== undefined && this.tokens <= 0) break;
      const w = this.waiters.shift()!;
      if (this.rate !== undefined) this.tokens -= w.bytes;
      this.inFlight++;
      w.resolve();
    }
    if (this.waiters.length > 0 && this.inFlight < this.window && this.rate !== undefined && this.timer === undefined) {
      const waitMs = Math.max(1, ((1 - this.tokens) * 1000) / this.rate);
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, waitMs);
    }
  }
}
