/**
 * `expect-state: { state, within, for }`: the device reaches a state in the NMS within a time (anew
 * since the last power step, if there was one) and, with `for`, stays in it that long — registering
 * only while the device keeps trying (keeps-registering.ts).
 */
import { formatDuration } from '../../../core/duration.js';
import type { ExpectStateParams } from '../../config/expectation-steps.js';
import type { StepOutcome } from '../../runner/executor.js';
import { EventTimeoutError } from '../../nms/events.js';
import { bootSeen, REGISTRATION_ATTEMPTS } from '../attempt-memory.js';
import { blameOtherwise } from '../outcome.js';
import { transitionsSeen } from '../seen.js';
import type { StepRun } from '../step-run.js';
import { abortable, waitTransition } from '../waits.js';
import { keepsRegistering } from './keeps-registering.js';

export async function expectState(p: ExpectStateParams, run: StepRun): Promise<StepOutcome> {
  const { bench, ctx, attempt } = run;
  const rec = bench.nms.devices.require(ctx.device.name);
  const freshAt = attempt.fresh?.at;
  // Registering lasts from a POST /r to the 2.03 the device accepts, however many it sends: one
  // registering before the power step enters it anew with its first attempt after, not a transition.
  const stillRegistering = (): boolean => p.state === 'registering' && rec.state === 'registering' && attempt.fresh !== undefined;
  const counts = (): boolean => (rec.state === p.state && (freshAt === undefined || rec.since >= freshAt)) || (stillRegistering() && bootSeen(bench, attempt, rec.device.name));
  const more = blameOtherwise(p.otherwise);
  const history = (): string => transitionsSeen(rec, attempt.window.atMs);
  if (!counts()) {
    const attemptAnew = (): Promise<boolean> =>
      bench.nms.events
        .waitFor((e) => e.device === rec.device.name && REGISTRATION_ATTEMPTS.has(e.name), p.withinMs, { since: attempt.fresh!.seq })
        .then(
          () => true,
          (e: unknown) => {
            if (e instanceof EventTimeoutError) return false;
            throw e;
          },
        );
    const transition = (): Promise<boolean> => waitTransition(bench, rec, (t) => t.to === p.state, p.withinMs).then((t) => t !== undefined);
    const reached = await abortable(ctx.signal, stillRegistering() ? attemptAnew() : transition());
    if (!reached) {
      return {
        status: 'failed',
        message: `${rec.device.name} is ${rec.state}${freshAt !== undefined && rec.state === p.state ? ' (not anew since the power step)' : ''}, not ${p.state}, after ${formatDuration(p.withinMs)}`,
        expected: `${p.state} within ${formatDuration(p.withinMs)}`,
        seen: `${rec.state}; ${history()}`,
        ...more,
      };
    }
  }
  if (p.forMs !== undefined && p.state === 'registering') return keepsRegistering(run, rec, p.forMs, more);
  if (p.forMs !== undefined) {
    const left = await abortable(ctx.signal, waitTransition(bench, rec, (t) => t.from === p.state, p.forMs));
    if (left) {
      return {
        status: 'failed',
        message: `${rec.device.name} left ${p.state} for ${left.to} (${left.reason}) before ${formatDuration(p.forMs)} had passed`,
        expected: `${p.state} for ${formatDuration(p.forMs)}`,
        seen: history(),
        ...more,
      };
    }
  }
  return { status: 'passed', message: `${rec.device.name} is ${rec.state}${p.forMs !== undefined ? ` and stayed ${formatDuration(p.forMs)}` : ''}` };
}
