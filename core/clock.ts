/**
 * Where the harness gets its time. The virtual rig runs scaled time and tests run a fake clock, so
 * the CoAP endpoint, the NMS and the scheduler take a Clock rather than calling the global timers.
 * One object can drive them all: NMS time (now()) is also what SignatureValidity windows and
 * clock-skew checks are measured against.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

// Sums of accepted durations (a step's limit plus its own wait) can pass what a Node.js timer holds;
// beyond it the timer would fire at once, so it is held at the longest instead (never early).
const LONGEST_TIMER_MS = 2_147_483_647;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.min(ms, LONGEST_TIMER_MS)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
