/**
 * `expect-transfer: {resumed: true}`: the test's last transfer went on where the earlier transfers
 * of the same image stopped. Judged from the NMS's own counts: the device held, at the start, every
 * block sent before (its bitmap), and the transfer sent each block not sent before exactly once
 * and none of the others.
 */
import type { ExpectTransferParams } from '../../config/firmware-steps.js';
import type { StepOutcome } from '../../runner/executor.js';
import { firmwareMemory } from '../firmware-memory.js';
import { blameOtherwise } from '../outcome.js';
import type { StepRun } from '../step-run.js';

export async function expectTransfer(p: ExpectTransferParams, { ctx }: StepRun): Promise<StepOutcome> {
  const mem = firmwareMemory(ctx);
  const more = blameOtherwise(p.otherwise);
  const version = mem.lastTransfer;
  const all = version !== undefined ? (mem.transfers.get(version) ?? []) : [];
  if (all.length < 2) {
    return { status: 'failed', message: `expect-transfer: the test made ${all.length} transfer(s) of ${version ?? 'any image'}, a resumed one needs an earlier one`, expected: 'two transfers of one image', seen: `${all.length}` };
  }
  const last = all[all.length - 1]!;
  const before = new Set(all.slice(0, -1).flatMap((r) => r.sent));
  const missing = [...Array(last.blocks).keys()].filter((n) => !before.has(n));
  const held = last.devices[0]!.heldAtStart;
  const resent = last.sent.filter((n) => before.has(n));
  const twice = last.sent.filter((n, i) => last.sent.indexOf(n) !== i);
  const sentText = `sent ${last.sent.length} of ${last.blocks} blocks (${ranges(last.sent)})`;
  if (held !== before.size || resent.length > 0 || twice.length > 0 || last.sent.length !== missing.length) {
    return {
      status: 'failed',
      message: `the transfer of ${version} did not resume: ${sentText}, ${resent.length} of them already sent before; expected only the ${missing.length} missing (${ranges(missing)})`,
      expected: `the device holds the ${before.size} blocks sent before (${ranges([...before])}) and only the ${missing.length} missing are sent, once each`,
      seen: `the device held ${held} of ${last.blocks} blocks when the transfer began; ${sentText}`,
      ...more,
    };
  }
  return { status: 'passed', message: `resumed: the device held ${held} of ${last.blocks} blocks; only the ${missing.length} missing were sent (${ranges(missing)})` };
}

/** "0-3,7": block numbers as ranges, for people. */
function ranges(blocks: readonly number[]): string {
  const s = [...new Set(blocks)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    out.push(j === i ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return out.join(',') || 'none';
}
