/**
 * A request of the NMS to the step's device (GET, POST), sent from the device's request address
 * (reply-from) and bounded by the step's signal; one nobody answered fails the step with the
 * attribution of explain.ts.
 */
import { CoapTimeoutError } from '../coap/errors.js';
import { EventTimeoutError } from '../nms/events.js';
import { failUnanswered } from './explain.js';
import type { StepRun } from './step-run.js';
import { abortable } from './waits.js';

export async function nmsRequest<T>(run: StepRun, what: string, sentAt: number, start: () => Promise<T>): Promise<T> {
  const { bench, ctx } = run;
  const source = bench.sources.addressFor(ctx.device.name);
  try {
    return await abortable(ctx.signal, bench.sources.around(ctx.device.name, start));
  } catch (e) {
    if (!(e instanceof CoapTimeoutError || e instanceof EventTimeoutError)) throw e;
    return failUnanswered(run, what, source, sentAt, e);
  }
}
