/**
 * A board's real-time clock: the host's time line run at `scale` (device seconds per real
 * second) from `base`, plus an offset the console sets (`date offset +2h`) — the skewed-clock
 * branch of the troubleshooting flowchart (csmp-protocol.md 7.6) — and an `unreadable` switch for
 * a lost RTC. Implements the agent's DeviceTime.
 *
 *   now() = base + (host.now() - start) * scale + offset
 *
 * Timers run on host time divided by the scale, so an agent's 20 s retry at scale 60 takes a
 * third of a real second.
 */
import { ClockUnreadable, type DeviceTime } from '../meter/device-time.js';

export interface HostTime {
  /** Milliseconds; only differences are used. */
  now(): number;
}

export interface HostTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface BoardClockOptions {
  host?: HostTime;
  timers?: HostTimers;
  /** Device seconds per host second. Default 1. */
  scale?: number;
  /** Device time (ms since the epoch) when the clock starts. Default: the wall clock. */
  base?: number;
  /** Initial offset, seconds. */
  offsetSeconds?: number;
}

const realTimers: HostTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class BoardClock implements DeviceTime {
  /** The RTC cannot be read: now() throws ClockUnreadable (the agent counts sigNoSync, doc 7.5). */
  unreadable = false;
  readonly scale: number;
  private readonly host: HostTime;
  private readonly timers: HostTimers;
  private readonly start: number;
  private readonly base: number;
  private offsetMs: number;

  constructor(opts: BoardClockOptions = {}) {
    this.scale = opts.scale ?? 1;
    if (!(this.scale > 0) || !Number.isFinite(this.scale)) throw new TypeError(`"scale" must be a positive number, got ${opts.scale}`);
    this.host = opts.host ?? { now: () => performance.now() };
    this.timers = opts.timers ?? realTimers;
    this.start = this.host.now();
    this.base = opts.base ?? Date.now();
    this.offsetMs = secondsToMs(opts.offsetSeconds ?? 0, 'offsetSeconds');
  }

  /** Time on the rig's line, without this board's offset: what a perfectly set clock would read. */
  trueNow(): number {
    return this.base + this.monotonic();
  }

  now(): number {
    if (this.unreadable) throw new ClockUnreadable('device clock unreadable');
    return this.trueNow() + this.offsetMs;
  }

  /** Scaled milliseconds since the clock started; untouched by offsets (uptime). */
  monotonic(): number {
    return (this.host.now() - this.start) * this.scale;
  }

  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }

  set offsetSeconds(s: number) {
    this.offsetMs = secondsToMs(s, 'offsetSeconds');
  }

  /** Moves the clock by `deltaSeconds` (positive: ahead). */
  adjust(deltaSeconds: number): void {
    this.offsetMs += secondsToMs(deltaSeconds, 'deltaSeconds');
  }

  /** Sets the clock to `epochMs`; the offset becomes whatever that implies. */
  set(epochMs: number): void {
    if (!Number.isFinite(epochMs)) throw new TypeError(`clock value must be finite, got ${epochMs}`);
    this.offsetMs = epochMs - this.trueNow();
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.timers.setTimeout(fn, Math.max(0, ms / this.scale));
  }

  clearTimeout(handle: unknown): void {
    this.timers.clearTimeout(handle);
  }
}

function secondsToMs(s: number, name: string): number {
  if (!Number.isFinite(s)) throw new TypeError(`"${name}" must be a finite number of seconds, got ${s}`);
  return s * 1000;
}

/**
 * Seconds for a console offset: `+7200`, `-30`, `+2h`, `-1.5h`, `90s`, `15m`, `1d`. A bare number
 * is seconds. Undefined when it does not parse.
 */
export function parseOffsetSeconds(text: string): number | undefined {
  const m = /^([+-]?)(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(m[3] ?? 's') as 's' | 'm' | 'h' | 'd'];
  const v = Number(m[2]) * unit;
  return m[1] === '-' ? -v : v;
}
