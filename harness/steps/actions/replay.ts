/**
 * `replay: NAME`: the bytes of a request captured earlier in the test, sent again unchanged as
 * a CON POST — an attacker on the mesh who recorded a signed request. expect-reply judges it.
 */
import { ConfigError } from '../../../core/errors.js';
import type { ReplayParams } from '../../config/attack-steps.js';
import type { StepOutcome } from '../../runner/executor.js';
import { nmsRequest } from '../nms-request.js';
import { tlvLines } from '../outcome.js';
import { replyIsChecked, requestTimeout, type StepRun } from '../step-run.js';
import { captureOf } from './captures.js';

export async function replay(p: ReplayParams, run: StepRun): Promise<StepOutcome> {
  const { bench, ctx, attempt } = run;
  const bytes = captureOf(attempt, p.name);
  if (!bytes) throw new ConfigError(`${ctx.device.name}: replay`, 'reference', `no request captured as '${p.name}' earlier in this test`);
  const what = `CON POST replaying ${p.name} (${bytes.length} bytes)`;
  const answer = await nmsRequest(run, what, Date.now(), () => bench.nms.client.postBytes(ctx.device.name, bytes, { timeoutMs: requestTimeout(run) }));
  attempt.reply = { what, code: answer.code, tlvs: answer.tlvs };
  ctx.log(`${what} → ${answer.code}: ${tlvLines(answer.tlvs)}`);
  if (!answer.code.startsWith('2.') && !replyIsChecked(run)) {
    return { status: 'failed', message: `${what} refused: ${answer.code}`, expected: `${what} accepted`, seen: `${answer.code}: ${tlvLines(answer.tlvs)}` };
  }
  return { status: 'passed' };
}
