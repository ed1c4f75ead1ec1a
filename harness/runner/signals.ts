import type { Run } from './run.js';

export interface SignalHandling {
  /** The first signal received, if any. */
  readonly received: NodeJS.Signals | undefined;
  /** Hands signals to the run from now on; one that came before interrupts it at once. */
  attach(run: Run): void;
  dispose(): void;
}

/**
 * SIGINT/SIGTERM: the first stops scheduling and interrupts running tests (their restore still runs,
 * reporters flush); the second abandons the restore; the third exits at once. Without the escalation
 * a board that hangs in restore would make Ctrl-C useless.
 *
 * Listening starts before the run exists (rig and suites loading, the bench opening): a signal then
 * is remembered, not fatal, so the run starts interrupted, the JUnit file is still written and the
 * rig closed.
 */
export function handleSignals(proc: NodeJS.Process = process, run?: Run): SignalHandling {
  let received: NodeJS.Signals | undefined;
  let count = 0;
  let target = run;
  const onSignal = (signal: NodeJS.Signals): void => {
    received ??= signal;
    count++;
    if (count >= 3) proc.exit(128 + (signal === 'SIGTERM' ? 15 : 2));
    target?.interrupt(`received ${signal}`);
  };
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);
  return {
    get received() {
      return received;
    },
    attach(r) {
      target = r;
      if (received) r.interrupt(`received ${received} before the first test`);
    },
    dispose() {
      proc.off('SIGINT', onSignal);
      proc.off('SIGTERM', onSignal);
    },
  };
}
