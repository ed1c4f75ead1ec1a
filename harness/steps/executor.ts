/**
 * The StepExecutor of a bench: every step of the vocabulary (harness/config/steps.ts) performed
 * through the NMS the harness plays, the board's console and power, and the links. One handler per
 * step kind (actions/, expectations/); this file only dispatches and decides what a failure says.
 *
 * What a failure says: expected, seen, likely cause, fix. The likely cause comes from the
 * expectation's `otherwise` when the suite gives one (a firmware defect, usually); otherwise
 * explain.ts finds it (the device's own reboot, or the troubleshooting flowchart's verdict).
 */
import { ConfigError } from '../../core/errors.js';
import type { Step, StepName, StepParamsByName } from '../config/steps.js';
import type { StepContext, StepExecutor, StepOutcome } from '../runner/executor.js';
import { consoleStep } from './actions/console.js';
import { cancelLoad, load, setBackup } from './actions/firmware-commands.js';
import { firewall } from './actions/firewall.js';
import { get } from './actions/get.js';
import { inject } from './actions/inject.js';
import { registrationResponse } from './actions/registration-response.js';
import { replay } from './actions/replay.js';
import { nms } from './actions/nms.js';
import { post } from './actions/post.js';
import { power } from './actions/power.js';
import { replyFrom } from './actions/reply-from.js';
import { restoreFirmware } from './actions/restore-firmware.js';
import { transfer } from './actions/transfer.js';
import { wait } from './actions/wait.js';
import { attemptMemory } from './attempt-memory.js';
import type { Bench } from './bench.js';
import { expectAnswer } from './expectations/expect-answer.js';
import { expectCounter } from './expectations/expect-counter.js';
import { expectDiagnosis } from './expectations/expect-diagnosis.js';
import { expectReports } from './expectations/expect-reports.js';
import { expectEvent } from './expectations/expect-event.js';
import { expectLoad } from './expectations/expect-load.js';
import { expectReply } from './expectations/expect-reply.js';
import { expectSlot } from './expectations/expect-slot.js';
import { expectState } from './expectations/expect-state.js';
import { expectTransfer } from './expectations/expect-transfer.js';
import { expectValue } from './expectations/expect.js';
import { explainFailure } from './explain.js';
import { StepFailure } from './outcome.js';
import type { StepHandler, StepLimits, StepRun } from './step-run.js';

export interface ExecutorOptions {
  /** Real ms one GET/POST may take before it counts as unanswered (default 4000). */
  requestTimeoutMs?: number;
  /** Walk the flowchart when a step fails without an `otherwise` (default true). */
  diagnoseOnFailure?: boolean;
  /** Real ms the flowchart walk may take at most (default 20 000). */
  diagnosisBudgetMs?: number;
}

/** Every step kind's handler; the type makes a step kind without one a compile error. */
const HANDLERS: { [K in StepName]: StepHandler<K> } = {
  power,
  console: consoleStep,
  nms,
  get,
  post,
  replay,
  'registration-response': registrationResponse,
  inject,
  firewall,
  'reply-from': replyFrom,
  wait,
  expect: expectValue,
  'expect-event': expectEvent,
  'expect-reports': expectReports,
  'expect-state': expectState,
  'expect-counter': expectCounter,
  'expect-reply': expectReply,
  'expect-diagnosis': expectDiagnosis,
  transfer,
  load,
  'cancel-load': cancelLoad,
  'set-backup': setBackup,
  'restore-firmware': restoreFirmware,
  'expect-answer': expectAnswer,
  'expect-transfer': expectTransfer,
  'expect-load': expectLoad,
  'expect-slot': expectSlot,
};

function perform<K extends StepName>(name: K, params: StepParamsByName[K], run: StepRun): Promise<StepOutcome | void> {
  return HANDLERS[name](params, run);
}

export class CsmpStepExecutor implements StepExecutor {
  private readonly limits: StepLimits;
  private readonly diagnoseOnFailure: boolean;

  constructor(
    readonly bench: Bench,
    opts: ExecutorOptions = {},
  ) {
    this.limits = { requestTimeoutMs: opts.requestTimeoutMs ?? 4000, diagnosisBudgetMs: opts.diagnosisBudgetMs ?? 20_000 };
    this.diagnoseOnFailure = opts.diagnoseOnFailure ?? true;
  }

  async execute(step: Step, ctx: StepContext): Promise<StepOutcome> {
    const run: StepRun = { bench: this.bench, ctx, step, started: Date.now(), attempt: attemptMemory(this.bench, ctx), limits: this.limits };
    let out: StepOutcome;
    try {
      out = (await perform(step.name, step.params, run)) ?? { status: 'passed' };
    } catch (e) {
      if (e instanceof StepFailure) out = e.outcome;
      else if (ctx.signal.aborted) throw e;
      else if (e instanceof ConfigError) out = { status: 'error', message: e.message };
      else throw e;
    }
    if (out.status === 'failed' && out.likelyCause === undefined && this.diagnoseOnFailure) {
      out = await explainFailure(out, run);
    }
    return out;
  }
}
