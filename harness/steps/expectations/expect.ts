/**
 * `expect: { tlv, row|index, field, <op> value }`: a field of a TLV the device reports, read now
 * unless the test read that TLV before. `row` selects the one instance with given field values
 * (the running firmware slot); rig values (`${expected.firmwareVersion}`) are substituted.
 */
import type { ExpectParams } from '../../config/expectation-steps.js';
import type { StepOutcome } from '../../runner/executor.js';
import { blameOtherwise, fail, tlvLines } from '../outcome.js';
import { readTlv } from '../read-tlv.js';
import { rigVariables, substitute } from '../rig-values.js';
import type { StepRun } from '../step-run.js';
import { fieldAt, holds, matchingRows, rowFilterText, valueText, type Row } from '../values.js';

export async function expectValue(p: ExpectParams, run: StepRun): Promise<StepOutcome> {
  const { bench, ctx, attempt } = run;
  const vars = rigVariables(bench.rig, ctx.device);
  const where = `${ctx.device.name}: expect`;
  const read = attempt.reads.get(p.tlv) ?? (await readTlv(run, p.tlv, undefined));
  const wanted = substitute(p.value, vars, where);
  const label = `tlv ${p.tlv}${p.row ? ` {${rowFilterText(p.row)}}` : p.index !== undefined ? `[${p.index}]` : ''}${p.field ? ` ${p.field}` : ''}`;
  const expected = `${label} ${p.op}${p.value === undefined ? '' : ` ${valueText(wanted)}`}`;
  const context = `${read.what} → ${read.code}: ${tlvLines(read.tlvs)}`;
  const more = { expected, ...blameOtherwise(p.otherwise) };
  if (!read.code.startsWith('2.')) fail(`${label}: no value, ${read.what} answered ${read.code}`, { ...more, seen: context });

  let row: Row | undefined;
  if (p.row) {
    const filter = substitute(p.row, vars, where) as Record<string, unknown>;
    const hits = matchingRows(read.rows, filter);
    if (hits.length !== 1) {
      fail(`${label}: ${hits.length === 0 ? 'no instance' : `${hits.length} instances`} of TLV ${p.tlv} with ${rowFilterText(filter)} (exactly one expected)`, {
        ...more,
        seen: context,
      });
    }
    row = hits[0];
  } else {
    row = read.rows[p.index ?? 0];
  }
  if (row === undefined) {
    if (p.op === 'absent') return { status: 'passed', message: `${label}: no TLV ${p.tlv} in the answer, so absent` };
    fail(`${label}: the answer holds no TLV ${p.tlv}${p.index ? ` instance ${p.index}` : ''}`, { ...more, seen: context });
  }
  const value = fieldAt(row, p.field);
  if (!holds(p.op, value, wanted)) {
    fail(`${label} is ${valueText(value)}, expected ${p.op}${p.value === undefined ? '' : ` ${valueText(wanted)}`}`, { ...more, seen: `${valueText(value)} (${context})` });
  }
  return { status: 'passed', message: `${label} = ${valueText(value)}` };
}
