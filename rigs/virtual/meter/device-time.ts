/**
 * What a meter needs from its board clock: the device's wall clock (skew included, whole
 * seconds are what the agent sees) and timers measured in device time. The board clock
 * (rigs/virtual/board/clock.ts) provides this under the rig's time scale; unit tests pass a fake.
 */
export interface DeviceTime {
  /** Device wall clock in ms since the epoch. Throws ClockUnreadable when the RTC cannot be read. */
  now(): number;
  /** Monotonic device milliseconds (scaled like timers, untouched by clock changes): uptime. */
  monotonic(): number;
  /** Calls `fn` after `ms` milliseconds of device time. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The device cannot read its clock (a lost RTC): the agent counts sigNoSync (doc 7.5). */
export class ClockUnreadable extends Error {
  override readonly name = 'ClockUnreadable';
}

/**
 * The simulated agent process died the way the reference agent does (SIGFPE, SIGSEGV), or the
 * boot loader found no image it could start ('no-bootable-image'): silent until power-cycled.
 */
export class AgentCrash extends Error {
  override readonly name = 'AgentCrash';
  constructor(
    readonly signal: 'SIGFPE' | 'SIGSEGV' | 'no-bootable-image' | 'hang',
    readonly reason: string,
  ) {
    super(`${signal}: ${reason}`);
  }
}
