/**
 * `post: { tlvs, signed, confirmable, afterSignature }`: writes TLVs to the device, signed by the
 * NMS or not. A refusal fails the step unless expect-reply judges it next: for a CON POST the
 * response code, for a NON POST (answered asynchronously) a CGMSNotification with code 3.
 */
import { ConfigError } from '../../../core/errors.js';
import type { PostParams } from '../../config/action-steps.js';
import type { TlvToBuild } from '../../csmp/payload.js';
import { TLV } from '../../csmp/tlv-ids.js';
import type { StepOutcome } from '../../runner/executor.js';
import { nmsRequest } from '../nms-request.js';
import { tlvLines } from '../outcome.js';
import { rigVariables, substitute } from '../rig-values.js';
import { replyIsChecked, requestTimeout, type StepRun } from '../step-run.js';
import { describeSignature } from '../../config/attack-steps.js';
import { capture, groupMatchOf } from './captures.js';
import { markAskedBoot } from '../attempt-memory.js';

/** TLVs that make the device restart when it applies them (csmp-protocol.md: reboot, image load). */
const RESTARTING = new Set<number>([TLV.RebootRequest, TLV.LoadRequest]);

/** CGMSNotification code "processing error" (csmp-protocol.md 5.2, TLV 44; 3.5 case 4: a TLV the device could not apply). */
const PROCESSING_ERROR = 3;

export async function post(p: PostParams, run: StepRun): Promise<StepOutcome> {
  const { bench, ctx, attempt } = run;
  const { nms } = bench;
  if (p.signed && !nms.signing) throw new ConfigError(`rig ${bench.rig.name}`, 'missing', 'post signed: the NMS has no signing key (nms.signing)');
  const vars = rigVariables(bench.rig, ctx.device);
  const build = (tlvs: Record<string, unknown>): TlvToBuild[] =>
    Object.entries(tlvs).map(([type, fields]) => ({
      type: Number(type),
      fields: substitute(fields ?? {}, vars, `${ctx.device.name}: post`) as Record<string, unknown>,
    }));
  const items = build(p.tlvs);
  const tail = p.afterSignature ? build(p.afterSignature) : [];
  const what = `${p.confirmable ? 'CON' : 'NON'} POST ${p.groupMatch ? '57+' : ''}${Object.keys(p.tlvs).join('+')}${p.signed ? ' signed' : ' unsigned'}${p.signature && describeSignature(p.signature) ? ` (${describeSignature(p.signature)})` : ''}${tail.length ? ` + ${Object.keys(p.afterSignature!).join('+')} after the signature` : ''}`;
  const groupMatch = p.groupMatch ? groupMatchOf(p.groupMatch, vars, ctx.device.name) : undefined;
  const opts = {
    sign: p.signed,
    confirmable: p.confirmable,
    afterSignature: tail,
    timeoutMs: requestTimeout(run),
    ...(groupMatch ? { groupMatch } : {}),
    ...(p.signature ? { signature: p.signature } : {}),
  };
  // The restart that follows is the harness's doing: not a crash for the judge, not a reboot loop.
  const undoBoot = items.some((t) => typeof t.type === 'number' && RESTARTING.has(t.type)) ? markAskedBoot(bench, attempt, ctx.device.name) : undefined;
  const answer = await nmsRequest(run, what, Date.now(), () => nms.client.post(ctx.device.name, items, opts)).catch((e: unknown) => {
    undoBoot?.();
    throw e;
  });
  if (p.capture && answer.sentPayload) capture(run.attempt, p.capture, answer.sentPayload);
  attempt.reply = { what, code: answer.code, tlvs: answer.tlvs };
  ctx.log(`${what} → ${answer.code}${answer.async ? ` (asynchronous, at ${answer.arrivedAt})` : ''}: ${tlvLines(answer.tlvs)}`);
  const notification = answer.tlvs.find((t) => t.type === TLV.CGMSNotification)?.value?.['code'];
  const refused = p.confirmable ? !answer.code.startsWith('2.') : notification === PROCESSING_ERROR;
  if (refused) undoBoot?.();
  if (refused && !replyIsChecked(run)) {
    return {
      status: 'failed',
      message: `${what} refused: ${p.confirmable ? answer.code : `CGMSNotification code ${PROCESSING_ERROR} (processing error)`}`,
      expected: `${what} accepted (${p.confirmable ? '2.01/2.04' : 'CGMSNotification code 0'})`,
      seen: `${answer.code}: ${tlvLines(answer.tlvs)}`,
    };
  }
  return { status: 'passed' };
}
