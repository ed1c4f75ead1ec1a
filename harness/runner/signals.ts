import type { Run } from './run.js';

export interface SignalHandling {
  /** The first signal received, if any. */
  readonly received: NodeJS.Signals | undefined;
  dispose(): void;
}

/**
 * SIGINT/SIGTERM: the first stops scheduling and interrupts running tests (their restore still runs,
 * reporters flush); the second abandons the restore; the third exits at once. Without the escalation
 * a board that hangs in restore would make Ctrl-C useless.
 */
export function handleSignals(run: Run, proc: NodeJS.Process = process): SignalHandling {
  let received: NodeJS.Signals | undefined;
  let count = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    received ??= signal;
    count++;
    if (count >= 3) proc.exit(128 + (signal === 'SIGTERM' ? 15 : 2));
    run.interrupt(`received ${signal}`);
  };
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);
  return {
    get received() {
      return received;
    },
    dispose() {
      proc.off('SIGINT', onSignal);
      proc.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Before a run exists (rig and suites loading, the bench opening) a signal is remembered rather
 * than fatal, so the caller can start the run interrupted: the JUnit file is still written and
 * the rig closed.
 */
export function rememberSignals(proc: NodeJS.Process = process): SignalHandling {
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => void (received ??= signal);
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);
  return {
    get received() {
      return received;
    },
    dispose() {
      proc.off('SIGINT', onSignal);
      proc.off('SIGTERM', onSignal);
    },
  };
}
