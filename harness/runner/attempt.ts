/**
 * One attempt of one test, in phases: session setup, the suite's setup and the test's steps
 * (until one fails), the suite's teardown and the session's restore (always), and the result.
 * The test's own phases stop on its timeout or the first interrupt; cleanup runs whatever
 * happened, bounded by its own limits, and only a second interrupt cuts it short.
 */
import type { Rig } from '../config/rig.js';
import { stepImpliedMs, type Step } from '../config/steps.js';
import type { Reporter } from '../model/reporter.js';
import type { Attachment, Failure, StepRecord, TestResult, TestStatus } from '../model/run-model.js';
import { TestTimeoutError } from './abort-reasons.js';
import type { DeviceSession, HookContext, StepExecutor } from './executor.js';
import type { ResolvedRunOptions } from './options.js';
import type { PlannedTest } from './plan.js';
import { recordStep, type RecordSpec, type RecordTarget, type Work } from './step-record.js';

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

/** What the phases of one attempt share. */
interface Attempt extends RecordTarget {
  readonly env: AttemptEnv;
  readonly planned: PlannedTest;
  readonly retry: number;
  /** Aborts the test's own phases: its timeout or the first interrupt. */
  readonly testSignal: AbortSignal;
  /** Per-attempt scratch shared by the steps (StepContext.memory). */
  readonly memory: Map<string, unknown>;
  /** Ends the test timeout and the link to the run's interrupt, before cleanup. */
  endTestLimits(): void;
}

/**
 * `guard`: for a test whose input could hurt the device, `before` runs ahead of the test's own
 * steps (after every setup) and `after` once they end, ahead of the teardown (which may power-cycle
 * the device and so hide what the input did). Neither fails the test itself.
 */
export interface InputGuard {
  before(ctx: HookContext): Promise<void> | undefined;
  after(ctx: HookContext): Promise<void> | undefined;
}

export async function runAttempt(env: AttemptEnv, planned: PlannedTest, retry: number, guard?: InputGuard): Promise<AttemptOutcome> {
  const a = begin(env, planned, retry);
  if (await sessionSetup(a)) {
    await testSteps(a, guard);
    if (guard?.after && a.result.steps.some((s) => s.phase === 'test')) await quietly(a, guard.after);
  }
  a.endTestLimits();
  await teardown(a);
  const deviceBroken = await sessionRestore(a);
  a.result.duration = a.clock.now() - a.result.startTime;
  return deviceBroken ? { result: a.result, deviceBroken } : { result: a.result };
}

function begin(env: AttemptEnv, planned: PlannedTest, retry: number): Attempt {
  const { clock } = env.options;
  const { testCase, spec } = planned;
  const startTime = clock.now();
  const result: TestResult = { testId: testCase.id, retry, status: 'passed', willRetry: false, startTime, duration: 0, steps: [], attachments: [] };
  env.reporter.onTestBegin?.(testCase, { retry, startTime });
  const test = new AbortController();
  const onRunAbort = (): void => test.abort(env.runSignal.reason);
  if (env.runSignal.aborted) onRunAbort();
  else env.runSignal.addEventListener('abort', onRunAbort, { once: true });
  const testTimer = spec.timeoutMs === undefined ? undefined : clock.setTimeout(() => test.abort(new TestTimeoutError(spec.timeoutMs!)), spec.timeoutMs);
  return {
    env,
    planned,
    retry,
    clock,
    reporter: env.reporter,
    testCase,
    result,
    testSignal: test.signal,
    memory: new Map(),
    endTestLimits() {
      if (testTimer !== undefined) clock.clearTimeout(testTimer);
      env.runSignal.removeEventListener('abort', onRunAbort);
    },
  };
}

/** Whether the test may go on: no session, or its setup passed. */
async function sessionSetup(a: Attempt): Promise<boolean> {
  const session = a.env.session;
  if (!session?.setup) return true;
  const rec = await runHook(a, 'setup', a.env.options.hookTimeoutMs, a.testSignal, (signal, log, attach) => session.setup!(a.planned.device, hookContext(a, signal, log, attach)));
  if (rec.status === 'passed') return true;
  noteFailure(a, rec);
  return false;
}

/** The suite's setup steps, then the test's, until one does not pass. */
async function testSteps(a: Attempt, guard?: InputGuard): Promise<void> {
  const { suite, spec } = a.planned;
  for (const list of [suite.setup, spec.steps]) {
    if (list === spec.steps && guard) await quietly(a, guard.before);
    for (const step of list) {
      const rec = await runStep(a, step, list.length, a.testSignal, a.env.options.stepTimeoutMs + stepImpliedMs(step));
      if (rec.status !== 'passed' && rec.status !== 'skipped') {
        noteFailure(a, rec);
        return;
      }
    }
  }
}

/** A guard hook: never fails the test (no baseline only means the after-test probe judges silence alone). */
async function quietly(a: Attempt, hook: (ctx: HookContext) => Promise<void> | undefined): Promise<void> {
  await Promise.resolve(hook(hookContext(a, a.testSignal, () => undefined, () => undefined))).catch(() => undefined);
}

/** The suite's teardown steps, every one of them: a failure here is the bench's, not the device's. */
async function teardown(a: Attempt): Promise<void> {
  const { teardown } = a.planned.suite;
  const { hookTimeoutMs, stepTimeoutMs } = a.env.options;
  for (const step of teardown) {
    const rec = await runStep(a, step, teardown.length, a.env.forceSignal, Math.max(hookTimeoutMs, stepTimeoutMs + stepImpliedMs(step)));
    if (rec.status !== 'passed' && rec.status !== 'skipped') noteFailure(a, rec, rec.status === 'interrupted' ? 'interrupted' : 'error');
  }
}

/** The session's restore; the failure when it failed (the device is then unusable). */
async function sessionRestore(a: Attempt): Promise<Failure | undefined> {
  const session = a.env.session;
  if (!session?.restore) return undefined;
  const rec = await runHook(a, 'restore', a.env.options.hookTimeoutMs, a.env.forceSignal, (signal, log, attach) => session.restore!(a.planned.device, hookContext(a, signal, log, attach)));
  if (rec.status === 'passed' || !rec.failure) return undefined;
  noteFailure(a, rec, rec.status === 'interrupted' ? 'interrupted' : 'error');
  return rec.failure;
}

function runStep(a: Attempt, step: Step, of: number, parent: AbortSignal, timeoutMs: number): Promise<StepRecord> {
  const spec: RecordSpec = { phase: step.phase, index: step.index, of, text: step.text, where: step.where };
  const { device, suite, spec: test, testCase } = a.planned;
  return recordStep(a, spec, timeoutMs, parent, (signal, log, attach) =>
    a.env.executor.execute(step, { rig: a.env.rig, device, suite, test, testCase, retry: a.retry, signal, timeoutMs, memory: a.memory, log, attach }),
  );
}

function runHook(a: Attempt, text: 'setup' | 'restore', timeoutMs: number, parent: AbortSignal, work: Work): Promise<StepRecord> {
  return recordStep(a, { phase: 'session', index: 1, of: 1, text }, timeoutMs, parent, work);
}

function hookContext(a: Attempt, signal: AbortSignal, log: (l: string) => void, attach: (x: Attachment) => void): HookContext {
  return { rig: a.env.rig, testCase: a.testCase, signal, log, attach };
}

/** The first failure decides the test's status and failure. */
function noteFailure(a: Attempt, rec: StepRecord, status: TestStatus = testStatusOf(rec)): void {
  if (a.result.status === 'passed' && rec.failure) {
    a.result.status = status;
    a.result.failure = rec.failure;
  }
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
