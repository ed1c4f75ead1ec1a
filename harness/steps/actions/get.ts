/** `get: <tlv>[/index]`: reads a TLV; an error answer fails the step unless expect-reply judges it next. */
import type { GetParams } from '../../config/action-steps.js';
import type { StepOutcome } from '../../runner/executor.js';
import { tlvLines } from '../outcome.js';
import { readTlv } from '../read-tlv.js';
import { replyIsChecked, type StepRun } from '../step-run.js';

export async function get(p: GetParams, run: StepRun): Promise<StepOutcome> {
  const read = await readTlv(run, p.tlv, p.index);
  run.ctx.log(`${read.what} → ${read.code}: ${tlvLines(read.tlvs)}`);
  if (!read.code.startsWith('2.') && !replyIsChecked(run)) {
    return {
      status: 'failed',
      message: `${read.what} answered ${read.code}`,
      expected: `${read.what} answered 2.05 with TLV ${p.tlv}`,
      seen: `${read.code}${read.tlvs.length ? `: ${tlvLines(read.tlvs)}` : ''}`,
    };
  }
  return { status: 'passed' };
}
