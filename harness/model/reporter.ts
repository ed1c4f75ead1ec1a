/**
 * What a reporter may listen to. Every method is optional; reporters only listen, and none can
 * change the run. Order: onBegin, then per test onTestBegin, onStepBegin/onStepEnd…, onTestEnd (once
 * per attempt; `result.willRetry` tells whether another follows), then onEnd. A test skipped before it
 * starts (missing capability, not run after --bail or an interrupt) gets onTestEnd without
 * onTestBegin. Tests on different devices interleave. All arguments are plain JSON data, which is what
 * lets the event log replay a run into any reporter.
 *
 * Observations (onFrame, onConsoleLine, onPower, onNmsChange) come from the bench, not the runner,
 * between onBegin and onEnd; one that belongs to a test names it (testId, retry) and arrives before
 * that attempt's onTestEnd, except console lines, which the bench hands over as the attempt ends.
 */
import type { ConsoleLineEvent, FrameEvent, NmsChangeEvent, PowerEvent } from './observations.js';
import type { RunInfo, RunNote, RunSummary, StepRecord, TestCase, TestResult } from './run-model.js';

export interface StepStart {
  phase: StepRecord['phase'];
  index: number;
  text: string;
  /** Steps in this phase, for "step 3/7". */
  of: number;
}

export interface HarnessError {
  message: string;
  stack?: string;
}

export interface Reporter {
  /** Shown when the multiplexer logs this reporter's failure. */
  readonly name?: string;
  onBegin?(info: RunInfo): void;
  onTestBegin?(test: TestCase, attempt: { retry: number; startTime: number }): void;
  onStepBegin?(test: TestCase, step: StepStart): void;
  onStepEnd?(test: TestCase, step: StepRecord): void;
  onTestEnd?(test: TestCase, result: TestResult): void;
  onFrame?(frame: FrameEvent): void;
  onConsoleLine?(line: ConsoleLineEvent): void;
  onPower?(action: PowerEvent): void;
  onNmsChange?(change: NmsChangeEvent): void;
  /** A problem outside any test (port busy, session close failed). */
  onError?(error: HarnessError): void;
  /** Evidence outside any test that is not a problem of the run (a lease taken over, a port re-bound). */
  onNote?(note: RunNote): void;
  /** May flush asynchronously; the run waits for it. */
  onEnd?(summary: RunSummary): void | Promise<void>;
}
