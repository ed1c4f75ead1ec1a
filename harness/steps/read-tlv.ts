/**
 * GET one TLV of the step's device and remember it for the attempt: the last read per TLV (what
 * `expect` checks when the test read it before), the first (the baseline `expect-counter`
 * compares with) and the last answer (what `expect-reply` judges).
 */
import type { Read } from './attempt-memory.js';
import { nmsRequest } from './nms-request.js';
import { requestTimeout, type StepRun } from './step-run.js';

/** `asBaseline`: the first read of a TLV in a test is the baseline of its counters. */
export async function readTlv(run: StepRun, tlv: number, index: number | undefined, asBaseline = true): Promise<Read> {
  const { bench, ctx, attempt } = run;
  const what = `GET ${tlv}${index === undefined ? '' : `/${index}`}`;
  const answer = await nmsRequest(run, what, Date.now(), () =>
    bench.nms.client.get(ctx.device.name, tlv, { timeoutMs: requestTimeout(run), ...(index !== undefined ? { style: 'path' as const, index } : {}) }),
  );
  const read: Read = { what, code: answer.code, tlvs: answer.tlvs, rows: answer.tlvs.filter((t) => t.type === tlv).map((t) => t.value ?? {}) };
  attempt.reads.set(tlv, read);
  if (asBaseline && !attempt.firstReads.has(tlv)) attempt.firstReads.set(tlv, read);
  attempt.reply = { what, code: answer.code, tlvs: answer.tlvs };
  return read;
}
