/**
 * `expect-counter: { tlv, field, increases }`: a counter read now against its value at the test's
 * first read of that TLV (0 when the test did not read it before).
 */
import type { ExpectCounterParams } from '../../config/expectation-steps.js';
import type { StepOutcome } from '../../runner/executor.js';
import { blameOtherwise, fail, tlvLines } from '../outcome.js';
import { readTlv } from '../read-tlv.js';
import type { StepRun } from '../step-run.js';
import { asNumber, fieldAt } from '../values.js';

export async function expectCounter(p: ExpectCounterParams, run: StepRun): Promise<StepOutcome> {
  const before = run.attempt.firstReads.get(p.tlv);
  // Its own read is no baseline: two counters checked in a row compare with the same start.
  const now = await readTlv(run, p.tlv, undefined, false);
  const more = blameOtherwise(p.otherwise);
  const label = `tlv ${p.tlv} ${p.field}`;
  if (!now.code.startsWith('2.')) fail(`${label}: ${now.what} answered ${now.code}`, { ...more, expected: `${label} readable`, seen: now.code });
  const valueNow = asNumber(fieldAt(now.rows[p.index ?? 0], p.field));
  const valueBefore = before ? (asNumber(fieldAt(before.rows[p.index ?? 0], p.field)) ?? 0) : 0;
  if (valueNow === undefined) fail(`${label} is absent`, { ...more, expected: `${label} a number`, seen: `${now.what} → ${now.code}: ${tlvLines(now.tlvs)}` });
  const ok = p.increases ? valueNow! > valueBefore : valueNow === valueBefore;
  const text = `${label}: ${valueBefore}${before ? '' : ' (not read before in this test)'} → ${valueNow}`;
  if (!ok) {
    fail(`${label} ${p.increases ? 'did not increase' : 'changed'}: ${valueBefore} → ${valueNow}`, {
      ...more,
      expected: `${label} ${p.increases ? 'increases' : 'unchanged'}`,
      seen: `${text} (${tlvLines(now.tlvs)})`,
    });
  }
  return { status: 'passed', message: text };
}
