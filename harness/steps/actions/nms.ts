/**
 * `nms: expect-registration | remove-from-inventory | add-to-inventory`: what the NMS itself does
 * about the device — waits for its registration, or forgets and knows it again.
 */
import { formatDuration } from '../../../core/duration.js';
import type { NmsParams } from '../../config/action-steps.js';
import { EventTimeoutError } from '../../nms/events.js';
import type { StepOutcome } from '../../runner/executor.js';
import { eventsSince } from '../attempt-memory.js';
import { detailsText, eventsSeen } from '../seen.js';
import { remainingMs, type StepRun } from '../step-run.js';
import { abortable } from '../waits.js';

export async function nms(p: NmsParams, run: StepRun): Promise<StepOutcome> {
  if (p.op === 'expect-registration') return expectRegistration(run);
  const { bench, ctx } = run;
  bench.nms.setInInventory(ctx.device.name, p.op === 'add-to-inventory');
  bench.journal(ctx.device.name).outOfInventory = p.op === 'remove-from-inventory';
  ctx.log(`${ctx.device.name} ${p.op === 'add-to-inventory' ? 'is back in' : 'is out of'} the NMS inventory`);
  return { status: 'passed' };
}

async function expectRegistration(run: StepRun): Promise<StepOutcome> {
  const { bench, ctx, attempt } = run;
  const since = eventsSince(attempt);
  const dev = ctx.device.name;
  // Half the flowchart's budget stays for explaining a registration that did not come.
  const waitMs = bench.toClockMs(Math.max(50, remainingMs(run) - run.limits.diagnosisBudgetMs / 2));
  try {
    const e = await abortable(ctx.signal, bench.nms.events.waitFor((x) => x.name === 'registrationRequest' && x.device === dev, waitMs, { since }));
    return { status: 'passed', message: `registration answered 2.03: ${e.message}${detailsText(e)}` };
  } catch (err) {
    if (!(err instanceof EventTimeoutError)) throw err;
    return {
      status: 'failed',
      message: `no registration (POST /r answered 2.03) from ${dev} within ${formatDuration(waitMs)}`,
      expected: `a POST /r from ${dev} answered 2.03`,
      seen: eventsSeen(bench.nms, dev, since),
    };
  }
}
