/** `reply-from: vip|fnd`: the NMS address the device's requests leave from (the load-balancer case). */
import type { ReplyFromParams } from '../../config/action-steps.js';
import type { StepRun } from '../step-run.js';

export async function replyFrom(p: ReplyFromParams, { bench, ctx }: StepRun): Promise<void> {
  bench.sources.set(ctx.device.name, p.address);
  bench.journal(ctx.device.name).replyFrom = true;
  ctx.log(`requests to ${ctx.device.name} now leave from ${p.address} ${bench.sources.addressFor(ctx.device.name)}`);
}
