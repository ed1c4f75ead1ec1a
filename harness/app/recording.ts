/**
 * Whether a run could record its results. A reporter whose file cannot be written (disk full,
 * read-only, I/O error) or an attachment that cannot be saved is said once, on stderr, with the
 * system's reason; the run goes on (devices do not care about the disk), and it ends with exit
 * code 4 so no CI reads a run that lost results as passed. Reporters hear of it as a harness
 * error, so a JUnit file that can still be written says it too.
 */
import { systemReason } from '../../core/atomic-write.js';
import { ResourceError } from '../../core/errors.js';
import type { HarnessError, Reporter } from '../model/reporter.js';

/** Exit code of a run whose results could not all be recorded. */
export const RESULTS_NOT_RECORDED = 4;

export class RecordingHealth {
  private readonly failures = new Map<string, number>();
  private notify: ((error: HarnessError) => void) | undefined;

  constructor(private readonly say: (line: string) => void) {}

  /** Where harness errors go once the reporters exist. */
  tell(notify: (error: HarnessError) => void): void {
    this.notify = notify;
  }

  get ok(): boolean {
    return this.failures.size === 0;
  }

  /** Failed writes so far, by what failed. */
  counts(): ReadonlyMap<string, number> {
    return this.failures;
  }

  /** `what` (a reporter, "attachments") failed with `e`; said the first time only. */
  failed(what: string, e: unknown): void {
    const n = this.failures.get(what) ?? 0;
    this.failures.set(what, n + 1);
    if (n > 0) return;
    const why = describe(e);
    // A ResourceError already names its file: said once.
    const message = `cannot record results: ${why.startsWith(what) ? why : `${what}: ${why}`}; the run goes on and will end with exit code ${RESULTS_NOT_RECORDED}`;
    this.say(message);
    this.notify?.({ message });
  }

  /** A closing line when writes failed, for the end of the run. */
  summary(): string | undefined {
    if (this.ok) return undefined;
    const parts = [...this.failures].map(([what, n]) => `${what} ${n} time${n === 1 ? '' : 's'}`);
    return `results not fully recorded (writes failed: ${parts.join(', ')}): exit code ${RESULTS_NOT_RECORDED}`;
  }
}

function describe(e: unknown): string {
  if (e instanceof ResourceError) return e.message;
  if (e instanceof Error && (e as NodeJS.ErrnoException).code) return systemReason(e);
  return e instanceof Error ? e.message : String(e);
}

/** Every event of the contract: a new one the guard did not pass on would silently starve reporters (the type says when one is missing). */
const EVENT_SET: Record<Exclude<keyof Reporter, 'name'>, true> = {
  onBegin: true,
  onTestBegin: true,
  onStepBegin: true,
  onStepEnd: true,
  onTestEnd: true,
  onFrame: true,
  onConsoleLine: true,
  onPower: true,
  onNmsChange: true,
  onError: true,
  onNote: true,
  onEnd: true,
};
const EVENTS = Object.keys(EVENT_SET) as (keyof typeof EVENT_SET)[];

/**
 * `r` with every event guarded: a throw (or rejection) is a recording failure of `what`, told to
 * `health`, and never reaches the run or the other reporters.
 */
export function guardRecording(r: Reporter, what: string, health: RecordingHealth): Reporter {
  const guarded: Reporter = { name: r.name ?? what };
  for (const event of EVENTS) {
    const fn = r[event] as ((...args: unknown[]) => unknown) | undefined;
    if (!fn) continue;
    (guarded as Record<string, unknown>)[event] = (...args: unknown[]): unknown => {
      try {
        const ret = fn.apply(r, args);
        if (ret && typeof (ret as Promise<unknown>).then === 'function') return (ret as Promise<unknown>).catch((e) => health.failed(what, e));
        return ret;
      } catch (e) {
        health.failed(what, e);
        return undefined;
      }
    };
  }
  return guarded;
}
