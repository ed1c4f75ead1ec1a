/** `expect-reply: <code>`: the response code of the device's answer to the test's last get or post. */
import type { ExpectReplyParams } from '../../config/expectation-steps.js';
import type { StepOutcome } from '../../runner/executor.js';
import { blameOtherwise, tlvLines } from '../outcome.js';
import type { StepRun } from '../step-run.js';

export async function expectReply(p: ExpectReplyParams, { attempt }: StepRun): Promise<StepOutcome> {
  const r = attempt.reply;
  const more = blameOtherwise(p.otherwise);
  if (!r) return { status: 'failed', message: 'no get or post before expect-reply in this test', expected: `an answer ${p.code}`, seen: 'no request', ...more };
  if (r.code !== p.code) {
    return { status: 'failed', message: `${r.what} answered ${r.code}, expected ${p.code}`, expected: `${r.what} → ${p.code}`, seen: `${r.code}: ${tlvLines(r.tlvs)}`, ...more };
  }
  return { status: 'passed', message: `${r.what} → ${r.code}` };
}
