/**
 * A finding as a suite `hil run FILE --device DEVICE --rig RIG` replays: the device is up, the minimised
 * input is sent (a `post` step, or an `inject` step for a raw frame), and a liveness GET of
 * DeviceID must be answered — so the test fails on a device that still crashes and passes once
 * the firmware is fixed. Its `branch: robustness` has `hil run` judge the device before and after
 * (harness/steps/crash-class.ts), which is what fails it on a device that reboots or degrades. Teardown power-cycles the board, as a crashed one needs.
 */
import { stringify } from 'yaml';
import { toHex } from '../../core/bytes.js';
import type { Finding } from './campaign.js';
import { describeInput, type FuzzInput } from './fuzz-input.js';

export function reproducerSuite(f: Finding, ctx: { device: string; seed: number; number: number; signed: boolean }): string {
  const doc = {
    suite: `fuzz-${ctx.device}-${ctx.number}`,
    branch: 'robustness',
    description: `Found by hil fuzz ${ctx.device} --seed ${ctx.seed} (input ${f.index}): the device ${f.kind === 'crashed' || f.kind === 'hung' ? `stopped answering (${f.kind})` : f.kind} after ${describeInput(f.input)}. Minimised: ${describeInput(f.minimised)}. As a robustness suite, hil run judges the device before and after the input (Uptime, SessionID, CGMSStats): a reboot or reset fails it too.`,
    setup: [{ 'expect-state': { state: 'up', within: '5m' } }],
    teardown: [{ power: 'cycle' }],
    tests: [{ name: `survives fuzz input ${f.index} (seed ${ctx.seed})`, steps: [inputStep(f.minimised, ctx.signed), { get: 2 }, { 'expect-reply': '2.05' }] }],
  };
  return stringify(doc, { lineWidth: 0 });
}

function inputStep(input: FuzzInput, signed: boolean): Record<string, unknown> {
  if (input.kind === 'inject') return { inject: { hex: toHex(input.bytes, ' ') } };
  // The post step answers a refusal with a failure unless expect-reply judges it: 'expect-reply'
  // after the liveness GET judges that one, so the POST's own answer is let through as any code.
  return { post: { tlvs: Object.fromEntries(input.tlvs.map((t) => [String(t.type), t.fields])), signed } };
}
