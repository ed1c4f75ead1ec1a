/**
 * One step being performed: what every step handler is given, and the budgets derived from it.
 *
 * Time: `started` and `ctx.timeoutMs` are real time (the scheduler's step limit); what is left of
 * the step bounds each request, converted to the rig's clock for the NMS.
 */
import type { Step, StepName, StepParamsByName } from '../config/steps.js';
import type { StepContext, StepOutcome } from '../runner/executor.js';
import type { AttemptMemory } from './attempt-memory.js';
import type { Bench } from './bench.js';

export interface StepLimits {
  /** Real ms one GET/POST may take before it counts as unanswered. */
  requestTimeoutMs: number;
  /** Real ms the flowchart walk may take at most. */
  diagnosisBudgetMs: number;
}

export interface StepRun {
  readonly bench: Bench;
  readonly ctx: StepContext;
  readonly step: Step;
  readonly attempt: AttemptMemory;
  /** Date.now() when the step began. */
  readonly started: number;
  readonly limits: StepLimits;
}

/** Performs one kind of step; nothing returned means passed, a StepFailure thrown means failed. */
export type StepHandler<K extends StepName> = (params: StepParamsByName[K], run: StepRun) => Promise<StepOutcome | void>;

/** Real ms left of the step's limit. */
export function remainingMs(run: StepRun): number {
  return Math.max(0, run.ctx.timeoutMs - (Date.now() - run.started));
}

/** Clock ms a request may take: the request limit, or what is left of the step, whichever is less. */
export function requestTimeout(run: StepRun): number {
  return run.bench.toClockMs(Math.max(50, Math.min(run.limits.requestTimeoutMs, remainingMs(run) - 250)));
}

/** Whether the step after this one is an expect-reply (which judges the answer instead). */
export function replyIsChecked({ step, ctx }: StepRun): boolean {
  const list = step.phase === 'setup' ? ctx.suite.setup : step.phase === 'teardown' ? ctx.suite.teardown : ctx.test.steps;
  return list[step.index]?.name === 'expect-reply';
}
