/**
 * The expectations a suite may state about a device: a TLV field, NMS events, periodic reports, the
 * device's state in the NMS, a counter, a reply code, the flowchart branch. Firmware expectations
 * are in firmware-steps.ts; steps.ts puts every family into the one table.
 */
import { formatDuration } from '../../core/duration.js';
import { fieldPathProblem } from '../csmp/field-path.js';
import { duration, ms, otherwise, StepValueProblem, tlvIndex, tlvNumber, withOtherwise, type JsonSchema, type Obj, type StepDefinition } from './step-kit.js';

export type ExpectOp = 'equals' | 'notEquals' | 'absent' | 'present' | 'matches' | 'gte' | 'lte';
export const EXPECT_OPS: readonly ExpectOp[] = ['equals', 'notEquals', 'absent', 'present', 'matches', 'gte', 'lte'];

/**
 * `otherwise` on an expectation says what it means when it is not met (a firmware defect, usually):
 * it becomes the failure's likely cause. Without it the executor asks the troubleshooting flowchart.
 */
export interface ExpectParams {
  tlv: number;
  index?: number;
  /** Selects the one instance whose fields have these values (e.g. the running firmware slot). */
  row?: Record<string, unknown>;
  field?: string;
  op: ExpectOp;
  value?: unknown;
  otherwise?: string;
}
/**
 * count/spanningMs: at least `count` such events, the first and the last at least `spanningMs`
 * apart (a device that keeps retrying over time, not one resend). atMost: the whole `within` is
 * watched and more than `atMost` such events fail the step with the measured rate (a storm).
 */
export interface ExpectEventParams {
  name: string;
  withinMs: number;
  count?: number;
  spanningMs?: number;
  atMost?: number;
  /**
   * Count only events after the device's `count`-th event of this name (e.g. its CGMSNotification
   * that it got a 4.03: attempts already on their way when it learned are not retries).
   */
  after?: { name: string; count: number };
  otherwise?: string;
}
/** The next `count` periodic reports, their mean spacing within `tolerance` (a fraction) of the subscribed interval or `intervalMs`. */
export interface ExpectReportsParams { count: number; withinMs: number; intervalMs?: number; tolerance?: number; otherwise?: string }
export interface ExpectStateParams { state: string; withinMs: number; forMs?: number; otherwise?: string }
export interface ExpectCounterParams { tlv: number; index?: number; field: string; increases: boolean; otherwise?: string }
/** A CoAP response code ('2.05', '4.01'…) of the device's answer to the last get/post. */
export interface ExpectReplyParams { code: string; otherwise?: string }
export interface ExpectDiagnosisParams { branch: DiagnosisBranchName; otherwise?: string }

/** The branches of the CSMP registration troubleshooting flowchart (harness/nms/diagnosis), plus 'healthy'. */
export const DIAGNOSIS_BRANCHES = [
  'registration',
  'firmware-group',
  'firmware-info',
  'nms-cert',
  'flash-corruption',
  'demo-mode',
  'clock-skew',
  'firewall',
  'load-balancer',
  'healthy',
] as const;
export type DiagnosisBranchName = (typeof DIAGNOSIS_BRANCHES)[number];

export interface ExpectationStepParams {
  expect: ExpectParams;
  'expect-event': ExpectEventParams;
  'expect-reports': ExpectReportsParams;
  'expect-state': ExpectStateParams;
  'expect-counter': ExpectCounterParams;
  'expect-reply': ExpectReplyParams;
  'expect-diagnosis': ExpectDiagnosisParams;
}

// YAML reads an unquoted 4.01 as a number (and 4.00 as 4), so both spellings are taken.
const coapCode: JsonSchema = {
  oneOf: [
    { type: 'string', pattern: '^[0-7]\\.[0-9]{2}$' },
    { type: 'number', minimum: 0, exclusiveMaximum: 8 },
  ],
  description: "A CoAP response code, e.g. '2.05', 4.01.",
};
const codeText = (v: unknown): string => (typeof v === 'number' ? v.toFixed(2) : String(v));

function compileRegex(source: string, path: (string | number)[]): void {
  try {
    new RegExp(source);
  } catch (e) {
    throw new StepValueProblem(`invalid regular expression: ${(e as Error).message}`, path);
  }
}

/**
 * A value an expectation compares with must say one thing: null cannot tell an absent field from
 * a present one (`absent`/`present` do), and YAML reads an integer beyond 2^53 rounded, so a
 * device off by a few would pass; quoted, it compares exactly.
 */
function exactSuiteValue(v: unknown, path: (string | number)[]): void {
  if (v === null) throw new StepValueProblem('null compares with nothing: write `absent: true` or `present: true` for whether the field is there', path);
  if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) {
    throw new StepValueProblem(`${v} is beyond 2^53 and YAML reads it rounded: write it in quotes ("...") to compare it exactly`, path);
  }
  if (typeof v === 'object' && !(v instanceof Uint8Array)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) exactSuiteValue(x, [...path, Array.isArray(v) ? Number(k) : k]);
  }
}

function knownField(tlv: number, path: string, at: (string | number)[]): void {
  const problem = fieldPathProblem(tlv, path);
  if (problem !== undefined) throw new StepValueProblem(problem, at);
}

function rowText(row: Record<string, unknown>): string {
  return `{${Object.entries(row).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}`;
}

function expectOpOf(o: Obj): ExpectOp {
  return EXPECT_OPS.find((op) => op in o)!;
}

/** `after: name` or `after: {name, count?}` as one shape. */
function afterOf(raw: unknown): { name: string; count: number } {
  if (typeof raw === 'object' && raw !== null) {
    const o = raw as { name: unknown; count?: unknown };
    return { name: String(o.name), count: o.count === undefined ? 1 : Number(o.count) };
  }
  return { name: String(raw), count: 1 };
}

export const EXPECTATION_STEPS: { readonly [K in keyof ExpectationStepParams]: StepDefinition<ExpectationStepParams[K]> } = {
  expect: {
    kind: 'expectation',
    description:
      'A decoded field of the last value read for a TLV (read now when the test has not read it) meets a condition. ' +
      'String values may name the rig: ${expected.firmwareVersion}, ${expected.hwId}, ${expected.firmwareGroup}, ' +
      '${expected.configGroup}, ${device.name}, ${device.eui64}, ${device.address}, ${nms.fnd}, ${nms.vip}.',
    usage: `{tlv, index?, row?, field?, <one of ${EXPECT_OPS.join('|')}>, otherwise?}`,
    schema: {
      type: 'object',
      properties: {
        tlv: tlvNumber,
        index: tlvIndex,
        row: {
          type: 'object',
          minProperties: 1,
          description: 'Selects the one instance whose fields have these values, e.g. {isRunning: true} for the running firmware slot.',
        },
        field: { type: 'string', description: 'Field name in the decoded TLV (dotted for nested fields).' },
        equals: { description: 'Field equals this value.' },
        notEquals: { description: 'Field differs from this value.' },
        absent: { const: true, description: 'Field is not present.' },
        present: { const: true, description: 'Field is present.' },
        matches: { type: 'string', description: 'Field, as text, matches this regular expression.' },
        gte: { type: 'number' },
        lte: { type: 'number' },
        otherwise,
      },
      required: ['tlv'],
      additionalProperties: false,
      oneOf: EXPECT_OPS.map((op) => ({ required: [op] })),
    },
    normalize: (raw) => {
      const o = raw as Obj;
      const op = expectOpOf(o);
      if (op === 'matches') compileRegex(String(o.matches), ['matches']);
      if (op !== 'absent' && op !== 'present' && op !== 'matches') exactSuiteValue(o[op], [op]);
      if (o.row !== undefined) exactSuiteValue(o.row, ['row']);
      if (o.field !== undefined) knownField(o.tlv as number, String(o.field), ['field']);
      for (const key of Object.keys((o.row ?? {}) as Obj)) knownField(o.tlv as number, key, ['row', key]);
      const p: ExpectParams = { tlv: o.tlv as number, op };
      if (o.index !== undefined) p.index = o.index as number;
      if (o.row !== undefined) p.row = o.row as Record<string, unknown>;
      if (o.field !== undefined) p.field = String(o.field);
      if (op !== 'absent' && op !== 'present') p.value = o[op];
      if (o.otherwise !== undefined) p.otherwise = String(o.otherwise);
      return p;
    },
    describe: (p) =>
      `expect: tlv ${p.tlv}${p.index === undefined ? '' : `[${p.index}]`}${p.row ? ` ${rowText(p.row)}` : ''}${p.field ? ` ${p.field}` : ''} ${p.op}` +
      (p.value === undefined ? '' : ` ${JSON.stringify(p.value)}`),
  },
  'expect-event': {
    kind: 'expectation',
    description: 'The NMS sees an event from the device (e.g. signatureFailure) within a time; after a power or restart step in the test, only events since then count.',
    usage: '{name, within, count?, spanning?, atMost?, after?}',
    schema: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1 },
        within: duration,
        count: { type: 'integer', minimum: 1, description: 'At least this many such events (default 1).' },
        spanning: { ...duration, description: 'The first and the last of the counted events at least this far apart (retries over time, not one resend).' },
        atMost: { type: 'integer', minimum: 0, description: 'Watch the whole `within` and fail when more than this many such events came since the test began (a registration storm), with the measured rate.' },
        after: {
          description:
            "Count only events after the device's first (or `count`-th) event of this name within the same `within`: `after: csmpNotification` or `after: {name: csmpNotification, count: 2}` (the device said it got the NMS's 4.03 twice, so attempts already on their way do not count as retries, and a device that gives up after its second rejection is caught).",
          oneOf: [
            { type: 'string', minLength: 1 },
            {
              type: 'object',
              properties: { name: { type: 'string', minLength: 1 }, count: { type: 'integer', minimum: 1 } },
              required: ['name'],
              additionalProperties: false,
            },
          ],
        },
        otherwise,
      },
      required: ['name', 'within'],
      additionalProperties: false,
    },
    normalize: (raw) => {
      const r = raw as Obj;
      // An upper bound over the whole window has no "at least this many" or span: taken together, one of them was silently not checked.
      if (r.atMost !== undefined && r.count !== undefined) throw new StepValueProblem('atMost and count cannot be combined: give one expect-event for each', ['count']);
      if (r.atMost !== undefined && r.spanning !== undefined) throw new StepValueProblem('atMost and spanning cannot be combined: give one expect-event for each', ['spanning']);
      return withOtherwise<ExpectEventParams>(
        { name: String(r.name), withinMs: ms(r.within, ['within']), ...(r.count !== undefined ? { count: Number(r.count) } : {}), ...(r.spanning !== undefined ? { spanningMs: ms(r.spanning, ['spanning']) } : {}), ...(r.atMost !== undefined ? { atMost: Number(r.atMost) } : {}), ...(r.after !== undefined ? { after: afterOf(r.after) } : {}) },
        raw,
      );
    },
    describe: (p) =>
      p.atMost !== undefined
        ? `expect-event: at most ${p.atMost} ${p.name}${p.after ? ` after ${p.after.count > 1 ? `${p.after.count}× ` : ''}${p.after.name}` : ''} within ${formatDuration(p.withinMs)}`
        : `expect-event: ${p.count && p.count > 1 ? `${p.count}× ` : ''}${p.name}${p.spanningMs ? ` spanning ${formatDuration(p.spanningMs)}` : ''}${p.after ? ` after ${p.after.count > 1 ? `${p.after.count}× ` : ''}${p.after.name}` : ''} within ${formatDuration(p.withinMs)}`,
    impliedMs: (p) => p.withinMs,
  },
  'expect-reports': {
    kind: 'expectation',
    description:
      "The device's next periodic reports come at the interval the NMS subscribed it to (or `interval`): judged on the mean spacing of the device's own CurrentTime in them, within `tolerance` (default 25%). A device reporting at its own default, or not at all, fails with the measured spacing.",
    usage: '{count, within, interval?, tolerance?, otherwise?}',
    schema: {
      type: 'object',
      properties: {
        count: { type: 'integer', minimum: 2, maximum: 64, description: 'Reports to wait for (at least 2: one interval).' },
        within: duration,
        interval: { ...duration, description: 'The interval to hold the device to (default: what the NMS subscribed or read from it).' },
        tolerance: { type: 'string', pattern: '^[0-9]{1,2}(\\.[0-9]+)?%$', description: 'How far the mean spacing may be from the interval, e.g. "25%".' },
        otherwise,
      },
      required: ['count', 'within'],
      additionalProperties: false,
    },
    normalize: (raw) => {
      const r = raw as Obj;
      return withOtherwise<ExpectReportsParams>(
        {
          count: Number(r.count),
          withinMs: ms(r.within, ['within']),
          ...(r.interval !== undefined ? { intervalMs: ms(r.interval, ['interval']) } : {}),
          ...(r.tolerance !== undefined ? { tolerance: Number.parseFloat(String(r.tolerance)) / 100 } : {}),
        },
        raw,
      );
    },
    describe: (p) => `expect-reports: ${p.count} every ${p.intervalMs !== undefined ? formatDuration(p.intervalMs) : 'subscribed interval'}${p.tolerance !== undefined ? ` ± ${Math.round(p.tolerance * 100)}%` : ''} within ${formatDuration(p.withinMs)}`,
    impliedMs: (p) => p.withinMs,
  },
  'expect-state': {
    kind: 'expectation',
    description:
      'The device reaches a state in the NMS (unheard, registering, up, down; unknown is unheard) within a time, and with `for` stays in it that long. ' +
      'After a power step the state must be reached anew: what the NMS knew before the power step does not count.',
    usage: '{state, within, for?, otherwise?}',
    schema: {
      type: 'object',
      properties: {
        state: { enum: ['unheard', 'unknown', 'registering', 'up', 'down'] },
        within: duration,
        for: { ...duration, description: 'Then stays in the state for this long; registering only while the device keeps trying (a POST /r at least every 1.5 × its regIntervalMax, from the rig).' },
        otherwise,
      },
      required: ['state', 'within'],
      additionalProperties: false,
    },
    normalize: (raw) => {
      const o = raw as Obj;
      // "unknown" is what the issue and FND's inventory call a device never heard from.
      const p: ExpectStateParams = { state: o.state === 'unknown' ? 'unheard' : String(o.state), withinMs: ms(o.within, ['within']) };
      if (o.for !== undefined) p.forMs = ms(o.for, ['for']);
      return withOtherwise(p, raw);
    },
    describe: (p) => `expect-state: ${p.state} within ${formatDuration(p.withinMs)}${p.forMs === undefined ? '' : ` for ${formatDuration(p.forMs)}`}`,
    impliedMs: (p) => p.withinMs + (p.forMs ?? 0),
  },
  'expect-counter': {
    kind: 'expectation',
    description:
      'A counter field of a TLV, read now, changed (or not) since the test first read that TLV, or since a restart the test asked for (0: device counters start at 0 at boot) once the device was seen registering after it. Without either the step is an error: read the TLV (get) before the step that should change it.',
    usage: '{tlv, index?, field, increases, otherwise?}',
    schema: {
      type: 'object',
      properties: { tlv: tlvNumber, index: tlvIndex, field: { type: 'string', minLength: 1 }, increases: { type: 'boolean' }, otherwise },
      required: ['tlv', 'field', 'increases'],
      additionalProperties: false,
    },
    normalize: (raw) => {
      const o = raw as Obj;
      knownField(o.tlv as number, String(o.field), ['field']);
      const p: ExpectCounterParams = { tlv: o.tlv as number, field: String(o.field), increases: o.increases === true };
      if (o.index !== undefined) p.index = o.index as number;
      return withOtherwise(p, raw);
    },
    describe: (p) => `expect-counter: tlv ${p.tlv} ${p.field} ${p.increases ? 'increases' : 'unchanged'}`,
  },
  'expect-reply': {
    kind: 'expectation',
    description: "The device's answer to the last get or post has this CoAP response code (e.g. 4.01 for a signature it rejects).",
    usage: "<code> | {code, otherwise?}",
    schema: {
      oneOf: [...(coapCode.oneOf as JsonSchema[]), { type: 'object', properties: { code: coapCode, otherwise }, required: ['code'], additionalProperties: false }],
    },
    normalize: (raw) =>
      typeof raw === 'object' && raw !== null ? withOtherwise<ExpectReplyParams>({ code: codeText((raw as Obj).code) }, raw) : { code: codeText(raw) },
    describe: (p) => `expect-reply: ${p.code}`,
  },
  'expect-diagnosis': {
    kind: 'expectation',
    description:
      'Walking the registration troubleshooting flowchart against the device (what the NMS saw in this test, GETs, the console configuration) ends in this branch.',
    usage: `<branch> | {branch, otherwise?}; branch: ${DIAGNOSIS_BRANCHES.join('|')}`,
    schema: {
      oneOf: [
        { enum: [...DIAGNOSIS_BRANCHES] },
        { type: 'object', properties: { branch: { enum: [...DIAGNOSIS_BRANCHES] }, otherwise }, required: ['branch'], additionalProperties: false },
      ],
    },
    normalize: (raw) =>
      typeof raw === 'string' ? { branch: raw as DiagnosisBranchName } : withOtherwise<ExpectDiagnosisParams>({ branch: (raw as Obj).branch as DiagnosisBranchName }, raw),
    describe: (p) => `expect-diagnosis: ${p.branch}`,
  },
};
