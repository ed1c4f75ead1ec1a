/**
 * The contract between the scheduler and whatever performs steps on a device (the FND/NMS emulation,
 * or a fake in tests). The scheduler owns timing, isolation and results; the executor owns the wire.
 */
import type { DeviceSpec, Rig } from '../config/rig.js';
import type { Step } from '../config/steps.js';
import type { Suite, TestSpec } from '../config/suite.js';
import type { Attachment, CrashKind, TestCase } from '../model/run-model.js';

export interface StepContext {
  readonly rig: Rig;
  readonly device: DeviceSpec;
  readonly suite: Suite;
  readonly test: TestSpec;
  readonly testCase: TestCase;
  /** 0 for the first attempt. */
  readonly retry: number;
  /**
   * Aborts on the step timeout, the test timeout or an interrupt. Honour it: the scheduler fails the
   * step on time either way, but work that goes on afterwards may disturb the next test.
   */
  readonly signal: AbortSignal;
  /** This step's limit, already including any `wait`/`within` the step itself asks for. */
  readonly timeoutMs: number;
  /** Per-attempt scratch shared by the steps of one test (e.g. the last value read for a TLV). */
  readonly memory: Map<string, unknown>;
  log(line: string): void;
  attach(attachment: Attachment): void;
}

/**
 * passed/skipped continue the test; failed is an expectation not met (or a device that refused an
 * action) and stops it; error is a harness problem. A thrown error counts as error.
 */
export interface StepOutcome {
  status: 'passed' | 'failed' | 'error' | 'skipped';
  message?: string;
  expected?: string;
  seen?: string;
  likelyCause?: string;
  fix?: string;
}

export interface StepExecutor {
  execute(step: Step, ctx: StepContext): Promise<StepOutcome>;
}

export interface HookContext {
  readonly rig: Rig;
  readonly testCase: TestCase;
  readonly signal: AbortSignal;
  log(line: string): void;
  attach(attachment: Attachment): void;
}

/**
 * Per-device lifetime around tests. setup runs before each test; restore after each test, whatever
 * happened, and puts the device back (config, clock, power) so one failure never leaks into the next
 * test. A restore that fails marks the device unusable: its remaining tests end as errors at once
 * instead of each paying a timeout.
 */
export interface DeviceSession {
  /** Acquire ports for the run; a ResourceError here means the harness cannot run (exit 2). */
  open?(devices: readonly DeviceSpec[], signal: AbortSignal): Promise<void>;
  setup?(device: DeviceSpec, ctx: HookContext): Promise<void>;
  restore?(device: DeviceSpec, ctx: HookContext): Promise<void>;
  /** Safe to call after a failed open. */
  close?(): Promise<void>;
  /**
   * Is the device there? Before its first test (the health check) and after any test that did not
   * pass or could have hurt it. Cheap while it answers; a silent device may be power-cycled once
   * and probed again. Never throws: a harness problem is `alive: false` with its message.
   */
  liveness?(device: DeviceSpec, ctx: HookContext, when: 'health' | 'after-test'): Promise<Liveness>;
  /**
   * Before a test that could hurt (after its setup): a cheap snapshot of the device the
   * after-test liveness compares with, to tell crashed, hung, rebooted and degraded apart.
   */
  baseline?(device: DeviceSpec, ctx: HookContext): Promise<void>;
  /**
   * Right after that test's steps, before its teardown (which may power-cycle the device): what
   * the input did, compared with the baseline; the after-test liveness carries it as `verdict`.
   */
  judge?(device: DeviceSpec, ctx: HookContext): Promise<void>;
}

/**
 * `cycled`: it was silent and answers again only after a power cycle (the evidence of both).
 * `consoleAnswers`: while the radio was silent, whether the console prompt answered (absent: no console).
 * `verdict`: after a test that could hurt, what the input did to the device, starting with the
 * class ("the device rebooted after this input: …"); absent when it is unharmed.
 */
export type Liveness =
  | ({ alive: true; note?: string; cycled?: string; consoleAnswers?: boolean } & CrashJudgement)
  | ({ alive: false; evidence: string; consoleAnswers?: boolean } & CrashJudgement);

/** The judge's verdict on a test's input (robustness tests, --probe-after-post), when it found harm. */
export interface CrashJudgement {
  verdict?: string;
  crash?: CrashKind;
  /** The frames sent to the device during the test, hex and decoded. */
  input?: string[];
  /** Where the suite replaying that input was written. */
  reproducer?: string;
}
