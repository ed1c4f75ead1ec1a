/**
 * `expect-counter: { tlv, field, increases }`: a counter read now against a value this attempt of
 * the test saw — its first read of that TLV, or 0 from a restart the test asked for once the device
 * was seen registering after it (counters count from boot). Without either there is nothing to
 * compare with: a counter is since boot, so what an earlier test or a long uptime left in it would
 * pass "increases" by luck. That is the suite's error, said before the device is asked anything.
 */
import { ConfigError } from '../../../core/errors.js';
import type { ExpectCounterParams } from '../../config/expectation-steps.js';
import type { StepOutcome } from '../../runner/executor.js';
import { bootSeen } from '../attempt-memory.js';
import { blameOtherwise, fail, tlvLines } from '../outcome.js';
import { readTlv } from '../read-tlv.js';
import type { StepRun } from '../step-run.js';
import { compareNumbers, exactNumber, fieldAt } from '../values.js';

export async function expectCounter(p: ExpectCounterParams, run: StepRun): Promise<StepOutcome> {
  const label = `tlv ${p.tlv} ${p.field}`;
  const before = run.attempt.firstReads.get(p.tlv);
  if (!before && !bootSeen(run.bench, run.attempt, run.ctx.device.name)) {
    throw new ConfigError(
      `${run.ctx.device.name}: ${label}`,
      'missing',
      `nothing to compare with in this test: read TLV ${p.tlv} (get: ${p.tlv}) before the step that should change it, or restart the device (power: cycle) and wait for its registration (nms: expect-registration), from which its counters count anew`,
    );
  }
  // Its own read is no baseline: two counters checked in a row compare with the same start.
  const now = await readTlv(run, p.tlv, undefined, false);
  const more = blameOtherwise(p.otherwise);
  if (!now.code.startsWith('2.')) fail(`${label}: ${now.what} answered ${now.code}`, { ...more, expected: `${label} readable`, seen: now.code });
  // Exact: a 64-bit counter beyond 2^53 that moved by one has changed.
  const valueNow = exactNumber(fieldAt(now.rows[p.index ?? 0], p.field));
  const valueBefore = before ? (exactNumber(fieldAt(before.rows[p.index ?? 0], p.field)) ?? 0n) : 0n;
  if (valueNow === undefined) fail(`${label} is absent`, { ...more, expected: `${label} a number`, seen: `${now.what} → ${now.code}: ${tlvLines(now.tlvs)}` });
  const c = compareNumbers(valueNow, valueBefore);
  const ok = p.increases ? c === 1 : c === 0;
  const text = `${label}: ${valueBefore}${before ? '' : ' (from the restart this test asked for)'} → ${valueNow}`;
  if (!ok) {
    fail(`${label} ${p.increases ? 'did not increase' : 'changed'}: ${valueBefore} → ${valueNow}`, {
      ...more,
      expected: `${label} ${p.increases ? 'increases' : 'unchanged'}`,
      seen: `${text} (${tlvLines(now.tlvs)})`,
    });
  }
  return { status: 'passed', message: text };
}
