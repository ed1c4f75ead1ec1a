/**
 * How a csmp-hil process stops, in one place for every command that starts something (a run, a
 * bench, the virtual rig). Installed by the CLI's entry before anything else is loaded, so a
 * signal in the first instant is remembered, not fatal:
 *
 * - SIGINT, SIGTERM or SIGHUP: the first stops the command the orderly way (a run ends its tests
 *   interrupted, restores the devices, writes its reports, closes the rig); the second makes the
 *   stop faster (cleanup of devices abandoned); the third exits at once after the at-exit cleanups.
 * - An orphaned process (its parent gone: `npx` killed by CI, a closed terminal) stops as if it
 *   had received SIGHUP. A CI that kills only the npx process would otherwise leave `hil` running
 *   and rewriting reports after the job has "ended".
 * - At-exit cleanups (temporary folders, lock files) run on every way out, process.exit included.
 *
 * Commands that start nothing (`list`, `decode`…) call release(): from then on a signal has its
 * default effect, and one received while the program was loading ends it now.
 */
import type { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import { raceAbort } from '../../core/abort.js';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface ProcessStopOptions {
  /** How often the parent process is looked for, in ms (default 500); 0 never. */
  parentPollMs?: number;
  /** Reads the parent's pid (default process.ppid); tests pass their own. */
  parentPid?: () => number;
  /** The way out after the third signal or for release() (default process.exit). */
  exit?: (code: number) => void;
}

/** What an operation cut short by a stop rejects with; the command then exits with stop.exitCode(). */
export class Stopped extends Error {
  override readonly name = 'Stopped';
}

/** A process, or an emitter standing in for one in tests. */
export type SignalSource = Pick<EventEmitter, 'on' | 'off'>;

export class ProcessStop {
  private readonly first = new AbortController();
  private readonly second = new AbortController();
  private readonly cleanups = new Set<() => void>();
  private cause: { signal: NodeJS.Signals; reason: string } | undefined;
  private count = 0;
  private poll: NodeJS.Timeout | undefined;
  private installed = true;
  private readonly exit: (code: number) => void;

  constructor(
    private readonly proc: SignalSource = process,
    private readonly opts: ProcessStopOptions = {},
  ) {
    this.exit = opts.exit ?? ((code) => process.exit(code));
    for (const s of STOP_SIGNALS) proc.on(s, this.onSignal);
    if (proc === process) process.on('exit', this.runCleanups);
  }

  /** Aborted at the first stop; its reason says why ("received SIGTERM"). */
  get signal(): AbortSignal {
    return this.first.signal;
  }

  /** Aborted at the second stop: cleanup that may hang is abandoned. */
  get force(): AbortSignal {
    return this.second.signal;
  }

  /** The signal the process stops for (SIGHUP when orphaned), if any. */
  get received(): NodeJS.Signals | undefined {
    return this.cause?.signal;
  }

  /** "received SIGTERM", "the parent process is gone"… */
  get reason(): string | undefined {
    return this.cause?.reason;
  }

  /** What a stopped command exits with: 128 + the signal's number, as shells report. */
  exitCode(): number {
    return 128 + (constants.signals[this.cause?.signal ?? 'SIGINT'] ?? constants.signals.SIGINT);
  }

  /** Stop as if `signal` had been received (an orphaned process, stdout gone). */
  trigger(signal: NodeJS.Signals, reason: string): void {
    this.cause ??= { signal, reason };
    this.count++;
    if (!this.first.signal.aborted) this.first.abort(reason);
    else if (!this.second.signal.aborted) this.second.abort(`${reason} (again)`);
    else {
      this.runCleanups();
      this.exit(this.exitCode());
    }
  }

  /** `work`, or a rejection with Stopped as soon as a stop is asked for (at once if it already was). */
  until<T>(work: Promise<T>): Promise<T> {
    const signal = this.first.signal;
    return raceAbort(work, signal, () => {
      throw new Stopped(String(signal.reason));
    });
  }

  /** Watch the parent process from now on; an orphan stops as if it had received SIGHUP. */
  watchParent(): void {
    const every = this.opts.parentPollMs ?? 500;
    const read = this.opts.parentPid ?? (() => process.ppid);
    const parent = read();
    // Started by init (a container's entry point) or as its own session: no parent to lose.
    if (every <= 0 || parent <= 1 || this.poll) return;
    this.poll = setInterval(() => {
      if (read() === parent) return;
      clearInterval(this.poll);
      this.trigger('SIGHUP', `the parent process (pid ${parent}) is gone`);
    }, every);
    this.poll.unref();
  }

  /**
   * For commands that start nothing: signals get their default effect back, and one that came
   * while the program loaded ends it now.
   */
  release(): void {
    this.dispose();
    if (this.cause) {
      this.runCleanups();
      this.exit(this.exitCode());
    }
  }

  /** Runs `fn` (synchronous) when the process exits, whatever the way; returns its removal. */
  atExit(fn: () => void): () => void {
    this.cleanups.add(fn);
    return () => void this.cleanups.delete(fn);
  }

  /** Stops listening (tests, and release()). */
  dispose(): void {
    if (!this.installed) return;
    this.installed = false;
    for (const s of STOP_SIGNALS) this.proc.off(s, this.onSignal);
    if (this.proc === process) process.off('exit', this.runCleanups);
    clearInterval(this.poll);
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.trigger(signal, `received ${signal}`);
  };

  private readonly runCleanups = (): void => {
    for (const fn of [...this.cleanups]) {
      this.cleanups.delete(fn);
      try {
        fn();
      } catch {
        // On the way out: the remaining cleanups still run.
      }
    }
  };
}
