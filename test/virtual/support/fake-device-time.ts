import type { DeviceTime } from '../../../rigs/virtual/meter/device-time.js';
import { ClockUnreadable } from '../../../rigs/virtual/meter/device-time.js';

/** Device time that only moves when told to; timers fire in due order inside advance(). */
export class FakeDeviceTime implements DeviceTime {
  private mono = 0;
  private seq = 0;
  /** Wall clock minus monotonic time, in ms. */
  offset: number;
  unreadable = false;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(startWallMs = Date.UTC(2024, 0, 1)) {
    this.offset = startWallMs;
  }

  now(): number {
    if (this.unreadable) throw new ClockUnreadable('RTC lost');
    return this.mono + this.offset;
  }

  monotonic(): number {
    return this.mono;
  }

  setWall(ms: number): void {
    this.offset = ms - this.mono;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.mono + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  advance(ms: number): void {
    const end = this.mono + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (next === undefined || e[1].at < next[1].at)) next = e;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.mono = next[1].at;
      next[1].fn();
    }
    this.mono = end;
  }
}
