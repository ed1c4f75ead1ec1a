import type { Clock } from '../../core/clock.js';

export type Settled<T> =
  | { state: 'returned'; value: T }
  | { state: 'threw'; error: unknown }
  | { state: 'aborted'; reason: unknown };

/**
 * Runs `work` with a signal that aborts on the parent's abort or after `timeoutMs`, and settles as
 * soon as that signal aborts even if `work` ignores it: a hung board driver costs one timeout and the
 * run moves on. Whatever `work` does afterwards is ignored (its result is caught, never rethrown).
 */
export async function runBounded<T>(
  work: (signal: AbortSignal) => Promise<T>,
  opts: { parent: AbortSignal; timeoutMs: number; clock: Clock; timeoutReason: () => unknown },
): Promise<Settled<T>> {
  if (opts.parent.aborted) return { state: 'aborted', reason: opts.parent.reason };
  const controller = new AbortController();
  const onParentAbort = (): void => controller.abort(opts.parent.reason);
  opts.parent.addEventListener('abort', onParentAbort, { once: true });
  const aborted = new Promise<Settled<T>>((resolve) =>
    controller.signal.addEventListener('abort', () => resolve({ state: 'aborted', reason: controller.signal.reason }), { once: true }),
  );
  const timer = opts.clock.setTimeout(() => controller.abort(opts.timeoutReason()), opts.timeoutMs);
  const done = Promise.resolve()
    .then(() => work(controller.signal))
    .then(
      (value): Settled<T> => ({ state: 'returned', value }),
      (error: unknown): Settled<T> => ({ state: 'threw', error }),
    );
  try {
    const first = await Promise.race([done, aborted]);
    // A step that rejects because it honoured the abort reports the abort, not its own AbortError.
    return controller.signal.aborted ? { state: 'aborted', reason: controller.signal.reason } : first;
  } finally {
    opts.clock.clearTimeout(timer);
    opts.parent.removeEventListener('abort', onParentAbort);
  }
}
