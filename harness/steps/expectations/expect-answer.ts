/** `expect-answer: <name>`: the response code of the test's last firmware command (TLVs 71-74), by name. */
import type { ExpectAnswerParams } from '../../config/firmware-steps.js';
import type { StepOutcome } from '../../runner/executor.js';
import { firmwareMemory, NO_ANSWER } from '../firmware-memory.js';
import { blameOtherwise } from '../outcome.js';
import type { StepRun } from '../step-run.js';

export async function expectAnswer(p: ExpectAnswerParams, { ctx }: StepRun): Promise<StepOutcome> {
  const last = firmwareMemory(ctx).last;
  const more = blameOtherwise(p.otherwise);
  if (!last) return { status: 'failed', message: 'no transfer, load, cancel-load or set-backup before expect-answer in this test', expected: p.response, seen: 'no firmware command', ...more };
  if (last.name !== p.response) {
    const got = last.name === NO_ANSWER ? 'got no answer' : `answered ${last.name}`;
    return { status: 'failed', message: `${last.what} ${got}, expected ${p.response}`, expected: `${last.what} → ${p.response}`, seen: last.describe, ...more };
  }
  return { status: 'passed', message: `${last.what} → ${last.name}` };
}
