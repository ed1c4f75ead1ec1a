import type { Rig } from '../config/rig.js';
import { stepImpliedMs, type Step } from '../config/steps.js';
import type { Reporter } from '../model/reporter.js';
import { InterruptedError, StepTimeoutError, TestTimeoutError } from './abort-reasons.js';
import { runBounded } from './bounded.js';
import type { DeviceSession, HookContext, StepContext, StepExecutor, StepOutcome } from './executor.js';
import type { Attachment, Failure, RecordPhase, StepRecord, TestResult, TestStatus } from '../model/run-model.js';
import type { ResolvedRunOptions } from './options.js';
import type { PlannedTest } from './plan.js';

export interface AttemptEnv {
  rig: Rig;
  executor: StepExecutor;
  session?: DeviceSession;
  reporter: Reporter;
  options: ResolvedRunOptions;
  /** Aborts running tests: the first interrupt. */
  runSignal: AbortSignal;
  /** Aborts cleanup as well: the second interrupt. */
  forceSignal: AbortSignal;
}

export interface AttemptOutcome {
  result: TestResult;
  /** Set when restore failed: the device's state is unknown and it must not run more tests. */
  deviceBroken?: Failure;
}

interface RecordSpec {
  phase: RecordPhase;
  index: number;
  of: number;
  text: string;
  where?: string;
}

type Work = (signal: AbortSignal, log: (line: string) => void, attach: (a: Attachment) => void) => Promise<StepOutcome | void>;

function label(r: RecordSpec): string {
  if (r.phase === 'session') return `session ${r.text}`;
  return `${r.phase === 'test' ? '' : `${r.phase} `}step ${r.index} (${r.text})`;
}

function testStatusOf(rec: StepRecord): TestStatus {
  switch (rec.status) {
    case 'interrupted':
      return 'interrupted';
    case 'error':
      return 'error';
    case 'failed':
    case 'timedOut':
      // A session hook that fails is the harness's or the bench's problem, not the firmware's.
      return rec.phase === 'session' ? 'error' : 'failed';
    default:
      return 'passed';
  }
}

/** One attempt of one test: session setup, suite setup, steps, teardown, restore. */
export async function runAttempt(env: AttemptEnv, planned: PlannedTest, retry: number): Promise<AttemptOutcome> {
  const { clock } = env.options;
  const { testCase, suite, spec, device } = planned;
  const startTime = clock.now();
  const result: TestResult = { testId: testCase.id, retry, status: 'passed', willRetry: false, startTime, duration: 0, steps: [], attachments: [] };
  env.reporter.onTestBegin?.(testCase, { retry, startTime });

  const testController = new AbortController();
  const onRunAbort = (): void => testController.abort(env.runSignal.reason);
  if (env.runSignal.aborted) onRunAbort();
  else env.runSignal.addEventListener('abort', onRunAbort, { once: true });
  const testTimer =
    spec.timeoutMs === undefined ? undefined : clock.setTimeout(() => testController.abort(new TestTimeoutError(spec.timeoutMs!)), spec.timeoutMs);
  const memory = new Map<string, unknown>();

  const hookContext = (signal: AbortSignal, log: (l: string) => void, attach: (a: Attachment) => void): HookContext => ({
    rig: env.rig,
    testCase,
    signal,
    log,
    attach,
  });

  const record = async (spec: RecordSpec, timeoutMs: number, parent: AbortSignal, work: Work): Promise<StepRecord> => {
    env.reporter.onStepBegin?.(testCase, { phase: spec.phase, index: spec.index, text: spec.text, of: spec.of });
    const rec: StepRecord = { phase: spec.phase, index: spec.index, text: spec.text, status: 'passed', startTime: clock.now(), duration: 0, logs: [], attachments: [] };
    if (spec.where) rec.where = spec.where;
    let open = true;
    // Lines logged by a step that ignored its abort and keeps going belong to no record.
    const log = (line: string): void => {
      if (open) rec.logs.push(`[${((clock.now() - startTime) / 1000).toFixed(3)}s] ${line}`);
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
    result.steps.push(rec);
    env.reporter.onStepEnd?.(testCase, rec);
    return rec;
  };

  const noteFailure = (rec: StepRecord, status: TestStatus = testStatusOf(rec)): void => {
    if (result.status === 'passed' && rec.failure) {
      result.status = status;
      result.failure = rec.failure;
    }
  };

  const runStep = (step: Step, of: number, parent: AbortSignal, timeoutMs: number): Promise<StepRecord> =>
    record({ phase: step.phase, index: step.index, of, text: step.text, where: step.where }, timeoutMs, parent, (signal, log, attach) => {
      const ctx: StepContext = {
        rig: env.rig,
        device,
        suite,
        test: spec,
        testCase,
        retry,
        signal,
        timeoutMs,
        memory,
        log,
        attach,
      };
      return env.executor.execute(step, ctx);
    });

  let proceed = true;
  const session = env.session;
  if (session?.setup) {
    const rec = await record({ phase: 'session', index: 1, of: 1, text: 'setup' }, env.options.hookTimeoutMs, testController.signal, (signal, log, attach) =>
      session.setup!(device, hookContext(signal, log, attach)),
    );
    if (rec.status !== 'passed') {
      proceed = false;
      noteFailure(rec);
    }
  }

  for (const list of [suite.setup, spec.steps]) {
    for (const step of list) {
      if (!proceed) break;
      const rec = await runStep(step, list.length, testController.signal, env.options.stepTimeoutMs + stepImpliedMs(step));
      if (rec.status !== 'passed' && rec.status !== 'skipped') {
        proceed = false;
        noteFailure(rec);
      }
    }
  }
  if (testTimer !== undefined) clock.clearTimeout(testTimer);
  env.runSignal.removeEventListener('abort', onRunAbort);

  // Cleanup runs whatever happened, bounded by its own limits; only a second interrupt cuts it short.
  for (const step of suite.teardown) {
    const rec = await runStep(step, suite.teardown.length, env.forceSignal, Math.max(env.options.hookTimeoutMs, env.options.stepTimeoutMs + stepImpliedMs(step)));
    if (rec.status !== 'passed' && rec.status !== 'skipped') noteFailure(rec, rec.status === 'interrupted' ? 'interrupted' : 'error');
  }

  let deviceBroken: Failure | undefined;
  if (session?.restore) {
    const rec = await record({ phase: 'session', index: 1, of: 1, text: 'restore' }, env.options.hookTimeoutMs, env.forceSignal, (signal, log, attach) =>
      session.restore!(device, hookContext(signal, log, attach)),
    );
    if (rec.status !== 'passed' && rec.failure) {
      deviceBroken = rec.failure;
      noteFailure(rec, rec.status === 'interrupted' ? 'interrupted' : 'error');
    }
  }

  result.duration = clock.now() - startTime;
  return deviceBroken ? { result, deviceBroken } : { result };
}

