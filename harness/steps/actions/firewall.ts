/** `firewall: drop inbound|outbound | allow`: the NMS host firewall's rule for this device only. */
import type { FirewallParams } from '../../config/action-steps.js';
import type { StepRun } from '../step-run.js';

export async function firewall(p: FirewallParams, { bench, ctx }: StepRun): Promise<void> {
  const address = ctx.device.address;
  if (p.op === 'allow') bench.firewall.clear(address);
  else if (p.direction === 'outbound') bench.firewall.dropOutbound(address);
  else bench.firewall.dropInbound('csmp-port', address);
  bench.journal(ctx.device.name).firewall = true;
  ctx.log(p.op === 'allow' ? `firewall open for ${address}` : `firewall drops ${p.direction} CSMP for ${address}`);
}
