/**
 * `registration-response: normal | {reportInterval, add, key}`: what the NMS answers this
 * device's next registrations with, until set back. The device registers again on its own
 * (power cycle, reboot) for the change to reach it.
 */
import type { RegistrationResponseParams } from '../../config/attack-steps.js';
import type { TlvToBuild } from '../../csmp/payload.js';
import { rigVariables, substitute } from '../rig-values.js';
import type { StepRun } from '../step-run.js';

export async function registrationResponse(p: RegistrationResponseParams, { bench, ctx }: StepRun): Promise<void> {
  const settings = bench.nms.registrationSettings(ctx.device.name);
  if (p.normal) {
    delete settings.unsafe;
    ctx.log(`the NMS answers ${ctx.device.name}'s registrations normally again`);
    return;
  }
  const vars = rigVariables(bench.rig, ctx.device);
  const extra: TlvToBuild[] = Object.entries(p.add ?? {}).map(([type, fields]) => ({
    type: Number(type),
    fields: substitute(fields ?? {}, vars, `${ctx.device.name}: registration-response`) as Record<string, unknown>,
  }));
  settings.unsafe = {
    ...(p.reportIntervalS !== undefined ? { reportIntervalS: p.reportIntervalS } : {}),
    ...(extra.length ? { extra } : {}),
    ...(p.key ? { key: p.key } : {}),
  };
  ctx.log(`the NMS answers ${ctx.device.name}'s registrations with a changed 2.03: ${JSON.stringify(settings.unsafe)}`);
}
