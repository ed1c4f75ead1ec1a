import { formatDuration } from '../../core/duration.js';

/** Reasons an AbortSignal carries, so the scheduler can tell a hung step from a stopped run. */
export class StepTimeoutError extends Error {
  override readonly name = 'StepTimeoutError';
  constructor(readonly ms: number) {
    super(`did not finish within ${formatDuration(ms)}`);
  }
}

export class TestTimeoutError extends Error {
  override readonly name = 'TestTimeoutError';
  constructor(readonly ms: number) {
    super(`test timeout of ${formatDuration(ms)} exceeded`);
  }
}

export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}
