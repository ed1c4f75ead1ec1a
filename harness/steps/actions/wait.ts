/** `wait: <duration>`: lets rig time pass (scaled on the virtual rig). */
import type { WaitParams } from '../../config/action-steps.js';
import type { StepRun } from '../step-run.js';

export function wait(p: WaitParams, { bench, ctx }: StepRun): Promise<void> {
  return bench.sleep(p.ms, ctx.signal);
}
