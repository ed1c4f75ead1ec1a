/** `power: on|off|cycle`: switches the board through the rig's power control. */
import { ConfigError } from '../../../core/errors.js';
import type { PowerParams } from '../../config/action-steps.js';
import { markNewBoot } from '../attempt-memory.js';
import type { StepRun } from '../step-run.js';

export async function power(p: PowerParams, { bench, ctx, attempt }: StepRun): Promise<void> {
  const control = bench.power(ctx.device.name);
  if (!control) throw new ConfigError(`device '${ctx.device.name}'`, 'missing', 'power: the rig gives this device no power control');
  // Marked between off and on for a cycle: marked before the off, a registration still in flight
  // from before (a board busy re-registering) would count as the rebooted board's; marked after
  // the on, a fast board's first /r could be missed. Other switches are marked before.
  const mark = (): void => markNewBoot(bench, attempt, ctx.device.name);
  mark();
  await control.switch(p.op, { signal: ctx.signal, timeoutMs: ctx.timeoutMs, ...(p.op === 'cycle' ? { afterOff: mark } : {}) });
  bench.journal(ctx.device.name).poweredOff = p.op === 'off';
  ctx.log(`power ${p.op}: done`);
}
