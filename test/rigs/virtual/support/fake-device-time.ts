import type { DeviceTime } from '../../../../rigs/virtual/meter/device-time.js';
import { ClockUnreadable } from '../../../../rigs/virtual/meter/device-time.js';
import { FakeClock } from '../../../support/fake-clock.js';

/**
 * A meter's time differs from the harness's: timers run on monotonic time while the wall clock
 * can be set or lost (skew, dead RTC) without moving them. So the fake clock's own time is the
 * monotonic line, and the wall clock sits `offset` away from it.
 */
export class FakeDeviceTime extends FakeClock implements DeviceTime {
  /** Wall clock minus monotonic time, in ms. */
  offset: number;
  unreadable = false;

  constructor(startWallMs = Date.UTC(2024, 0, 1)) {
    super(0);
    this.offset = startWallMs;
  }

  override now(): number {
    if (this.unreadable) throw new ClockUnreadable('RTC lost');
    return this.monotonic() + this.offset;
  }

  monotonic(): number {
    return super.now();
  }

  setWall(ms: number): void {
    this.offset = ms - this.monotonic();
  }
}
