/**
 * One step or session hook of an attempt, run under its limits and written down as a StepRecord:
 * begun and ended on the reporter, its log lines stamped with the time since the test began, and
 * how it ended (returned, threw, timed out, interrupted) turned into a status and a Failure.
 */
import type { Clock } from '../../core/clock.js';
import type { Reporter } from '../model/reporter.js';
import type { Attachment, Failure, RecordPhase, StepRecord, TestCase, TestResult } from '../model/run-model.js';
import { InterruptedError, StepTimeoutError, TestTimeoutError } from './abort-reasons.js';
import { runBounded, type Settled } from './bounded.js';
import type { StepOutcome } from './executor.js';

export interface RecordSpec {
  phase: RecordPhase;
  index: number;
  of: number;
  text: string;
  where?: string;
}

export type Work = (signal: AbortSignal, log: (line: string) => void, attach: (a: Attachment) => void) => Promise<StepOutcome | void>;

/** Where records go: the attempt's result and the reporter, on the run's clock. */
export interface RecordTarget {
  readonly clock: Clock;
  readonly reporter: Reporter;
  readonly testCase: TestCase;
  readonly result: TestResult;
}

function label(r: RecordSpec): string {
  if (r.phase === 'session') return `session ${r.text}`;
  return `${r.phase === 'test' ? '' : `${r.phase} `}step ${r.index} (${r.text})`;
}

export async function recordStep(to: RecordTarget, spec: RecordSpec, timeoutMs: number, parent: AbortSignal, work: Work): Promise<StepRecord> {
  const { clock, reporter, testCase, result } = to;
  reporter.onStepBegin?.(testCase, { phase: spec.phase, index: spec.index, text: spec.text, of: spec.of });
  const rec: StepRecord = { phase: spec.phase, index: spec.index, text: spec.text, status: 'passed', startTime: clock.now(), duration: 0, logs: [], attachments: [] };
  if (spec.where) rec.where = spec.where;
  let open = true;
  // Lines logged by a step that ignored its abort and keeps going belong to no record.
  const log = (line: string): void => {
    if (open) rec.logs.push(`[${((clock.now() - result.startTime) / 1000).toFixed(3)}s] ${line}`);
  };
  const attach = (a: Attachment): void => {
    if (!open) return;
    rec.attachments.push(a);
    result.attachments.push(a);
  };
  const settled = await runBounded((signal) => work(signal, log, attach), {
    parent,
    timeoutMs,
    clock,
    timeoutReason: () => new StepTimeoutError(timeoutMs),
  });
  open = false;
  rec.duration = clock.now() - rec.startTime;
  settle(rec, spec, settled);
  result.steps.push(rec);
  reporter.onStepEnd?.(testCase, rec);
  return rec;
}

/** The record's status and failure from how the work ended. */
function settle(rec: StepRecord, spec: RecordSpec, settled: Settled<StepOutcome | void>): void {
  const at = { phase: spec.phase, index: spec.index, text: spec.text, ...(spec.where ? { where: spec.where } : {}) };
  const what = label(spec);
  if (settled.state === 'returned') {
    const out = settled.value ?? { status: 'passed' };
    if (out.message && out.status !== 'failed' && out.status !== 'error') rec.logs.push(out.message);
    rec.status = out.status;
    if (out.status === 'failed' || out.status === 'error') {
      const failure: Failure = { kind: out.status === 'failed' ? 'expectation' : 'error', message: `${what}: ${out.message ?? (out.status === 'failed' ? 'expectation not met' : 'error')}`, step: at };
      for (const k of ['expected', 'seen', 'likelyCause', 'fix'] as const) if (out[k] !== undefined) failure[k] = out[k];
      rec.failure = failure;
    }
  } else if (settled.state === 'threw') {
    const e = settled.error;
    rec.status = 'error';
    rec.failure = { kind: 'error', message: `${what}: ${e instanceof Error ? e.message : String(e)}`, step: at };
    if (e instanceof Error && e.stack) rec.failure.stack = e.stack;
  } else {
    const reason = settled.reason;
    if (reason instanceof StepTimeoutError) {
      rec.status = 'timedOut';
      rec.failure = { kind: 'timeout', message: `${what} ${reason.message}`, step: at };
    } else if (reason instanceof TestTimeoutError) {
      rec.status = 'timedOut';
      rec.failure = { kind: 'timeout', message: `${reason.message} during ${what}`, step: at };
    } else {
      rec.status = 'interrupted';
      const why = reason instanceof InterruptedError ? reason.message : 'aborted';
      rec.failure = { kind: 'interrupted', message: `${why} during ${what}`, step: at };
    }
  }
}
