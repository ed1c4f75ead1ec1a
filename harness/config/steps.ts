/**
 * The step vocabulary: every action and expectation a suite may use, in one table. The suite JSON
 * Schema, the loader's normalisation, the capability check and `hil list` all read this table, so a
 * new step is added here once and nowhere else.
 */
import {
  describeRegistrationResponse,
  describeSignature,
  groupMatchSchema,
  normalizeRegistrationResponse,
  normalizeSignature,
  registrationResponseSchema,
  replaySchema,
  signatureSchema,
  type GroupMatchParams,
  type RegistrationResponseParams,
  type ReplayParams,
  type SignatureParams,
} from './attack-steps.js';
import { DURATION_PATTERN, durationProblem, formatDuration, parseDuration } from '../../core/duration.js';

export type JsonSchema = Record<string, unknown>;
export type StepKind = 'action' | 'expectation';
export type ExpectOp = 'equals' | 'notEquals' | 'absent' | 'present' | 'matches' | 'gte' | 'lte';
export const EXPECT_OPS: readonly ExpectOp[] = ['equals', 'notEquals', 'absent', 'present', 'matches', 'gte', 'lte'];

export interface PowerParams { op: 'on' | 'off' | 'cycle' }
export interface ConsoleParams { capability: string; args: string }
export interface NmsParams { op: 'expect-registration' | 'remove-from-inventory' | 'add-to-inventory' }
export interface GetParams { tlv: number; index?: number }
export interface PostParams {
  tlvs: Record<string, unknown>;
  signed: boolean;
  confirmable: boolean;
  afterSignature?: Record<string, unknown>;
  groupMatch?: GroupMatchParams;
  signature?: SignatureParams;
  /** Remember the request's bytes under this name for a later `replay`. */
  capture?: string;
}
/** `hex` is lower case without separators; the other keys of the step are passed through untouched. */
export interface InjectParams { hex: string; options: Record<string, unknown> }
export interface FirewallParams { op: 'drop' | 'allow'; direction?: 'inbound' | 'outbound' }
export interface ReplyFromParams { address: 'vip' | 'fnd' }
export interface WaitParams { ms: number }
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

/**
 * A firmware image the `transfer` step builds at run time (harness/csmp/image/build.ts): no
 * binaries are checked in. Later firmware steps name an image by its version.
 */
export interface ImageSpec {
  version: string;
  /** Whole file in bytes, header included (default 8192). */
  size?: number;
  /** Seed of the pseudo-random binary (default: derived from the version). */
  seed?: number;
  /** Hardware id in the header (default: the device's expected hwId). */
  hwId?: string;
  /** false: the image does not start (the virtual boot loader refuses it). */
  boots?: boolean;
}
export interface TransferParams {
  image: ImageSpec;
  /** Flip a byte of this block on the way: the device must find the image's hash wrong. */
  corruptBlock?: number;
  /** Announce another SHA-256 than the image's in TransferRequest and blocks. */
  announceWrongHash?: boolean;
  /** Stop sending after this block and switch the device off (power loss mid-transfer). */
  cutPowerAfterBlock?: number;
}
export interface LoadParams { image: string; inMs: number }
/** An image named by version: one the test transferred, or one the device reports in a slot. */
export interface ImageRefParams { image: string }
/** Response names of TLVs 71-74 (harness/csmp/firmware-response.ts; a test keeps the two equal). */
export const FIRMWARE_RESPONSE_NAMES = [
  'OK',
  'INCOMPATIBLE_HW',
  'IMAGE_INCOMPLETE',
  'UNKNOWN_HASH',
  'FILE_SIZE_TOO_BIG',
  'SIGNATURE_FAILED',
  'INVALID_REQ',
  'INVALID_BLOCK_SIZE',
  'PENDING_REBOOT',
  'IMAGE_RUNNING',
  'NO_VOLUME',
  'DUP_XFER',
  'MATCH_RUN_XFER',
  'MATCH_BAK_XFER',
] as const;
export type FirmwareResponseLabel = (typeof FIRMWARE_RESPONSE_NAMES)[number];
export interface ExpectAnswerParams { response: FirmwareResponseLabel; otherwise?: string }
export interface ExpectTransferParams { resumed: true; otherwise?: string }
export interface ExpectLoadParams { fires: 'on-time' | 'never'; otherwise?: string }
export interface ExpectSlotParams {
  image: string;
  running?: boolean;
  backup?: boolean;
  /** Holds the whole transferred image: its hash, version, size, hardware id and a full block bitmap. */
  complete?: boolean;
  /** The slot's index, or the one that ran the old image when the test's last load was requested. */
  slot?: number | 'running-before-load';
  otherwise?: string;
}

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

export interface StepParamsByName {
  power: PowerParams;
  console: ConsoleParams;
  nms: NmsParams;
  get: GetParams;
  post: PostParams;
  replay: ReplayParams;
  'registration-response': RegistrationResponseParams;
  inject: InjectParams;
  firewall: FirewallParams;
  'reply-from': ReplyFromParams;
  wait: WaitParams;
  expect: ExpectParams;
  'expect-event': ExpectEventParams;
  'expect-reports': ExpectReportsParams;
  'expect-state': ExpectStateParams;
  'expect-counter': ExpectCounterParams;
  'expect-reply': ExpectReplyParams;
  'expect-diagnosis': ExpectDiagnosisParams;
  transfer: TransferParams;
  load: LoadParams;
  'cancel-load': ImageRefParams;
  'set-backup': ImageRefParams;
  'restore-firmware': ImageRefParams;
  'expect-answer': ExpectAnswerParams;
  'expect-transfer': ExpectTransferParams;
  'expect-load': ExpectLoadParams;
  'expect-slot': ExpectSlotParams;
}
export type StepName = keyof StepParamsByName;
export type StepPhase = 'setup' | 'test' | 'teardown';

export interface StepMeta {
  /** 1-based position in its list (setup, the test's steps, or teardown). */
  index: number;
  phase: StepPhase;
  /** file:line:col of the step in its suite. */
  where: string;
  /** One-line canonical rendering, for logs and reports. */
  text: string;
}

/** A loaded step: `name` discriminates `params`, so an executor's switch narrows it. */
export type Step = { [K in StepName]: { name: K; params: StepParamsByName[K] } & StepMeta }[StepName];

/** What a step needs from the rig; a device that lacks it gets the test skipped, not failed. */
export interface StepNeeds {
  capabilities?: string[];
  nmsAddresses?: string[];
}

/** A value the schema accepts but that still cannot be used (bad regex, odd hex digits). */
export class StepValueProblem extends Error {
  constructor(
    readonly reason: string,
    readonly path: (string | number)[] = [],
  ) {
    super(reason);
  }
}

export interface StepDefinition<K extends StepName> {
  kind: StepKind;
  description: string;
  /** Short form shown in errors and `hil list`. */
  usage: string;
  schema: JsonSchema;
  normalize(raw: unknown): StepParamsByName[K];
  describe(p: StepParamsByName[K]): string;
  needs?(p: StepParamsByName[K]): StepNeeds;
  /** Time the step legitimately takes by its own definition (a wait, a `within`); added to the step timeout. */
  impliedMs?(p: StepParamsByName[K]): number;
}

const duration: JsonSchema = { type: 'string', pattern: DURATION_PATTERN, description: "A duration: '500ms', '60s', '2m', '1h'." };
const tlvNumber: JsonSchema = { type: 'integer', minimum: 1, maximum: 65535, description: 'CSMP TLV type number.' };
const tlvIndex: JsonSchema = { type: 'integer', minimum: 0, description: 'Index of the TLV instance when the device reports several.' };
const capabilityName: JsonSchema = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' };
const otherwise: JsonSchema = {
  type: 'string',
  minLength: 1,
  description: 'What it means when this expectation is not met (e.g. the firmware defect); reported as the likely cause.',
};
// YAML reads an unquoted 4.01 as a number (and 4.00 as 4), so both spellings are taken.
const coapCode: JsonSchema = {
  oneOf: [
    { type: 'string', pattern: '^[0-7]\\.[0-9]{2}$' },
    { type: 'number', minimum: 0, exclusiveMaximum: 8 },
  ],
  description: "A CoAP response code, e.g. '2.05', 4.01.",
};
const codeText = (v: unknown): string => (typeof v === 'number' ? v.toFixed(2) : String(v));

type Obj = Record<string, unknown>;
/** A schema-valid duration in ms; one past what a timer can wait is refused where it is written. */
function ms(text: unknown, path: (string | number)[] = []): number {
  const problem = durationProblem(String(text));
  if (problem) throw new StepValueProblem(problem, path);
  return parseDuration(String(text))!;
}

/** CSMP TLV types are varints of at most 32 bits (csmp-protocol.md 4.1). */
const MAX_TLV_TYPE = 0xffff_ffff;

/** TLV number → value maps of a post: every key a TLV type the wire can carry. */
function tlvMap(value: unknown, key: string): Record<string, unknown> {
  const map = value as Record<string, unknown>;
  for (const type of Object.keys(map)) {
    if (!(Number(type) >= 1 && Number(type) <= MAX_TLV_TYPE)) throw new StepValueProblem(`TLV type ${type.length > 20 ? `${type.slice(0, 20)}…` : type} is not 1 to ${MAX_TLV_TYPE} (a 32-bit varint)`, [key, type]);
  }
  return map;
}

function compileRegex(source: string, path: (string | number)[]): void {
  try {
    new RegExp(source);
  } catch (e) {
    throw new StepValueProblem(`invalid regular expression: ${(e as Error).message}`, path);
  }
}

function withOtherwise<T extends { otherwise?: string }>(p: T, raw: unknown): T {
  const o = raw as Obj;
  if (typeof o === 'object' && o !== null && o.otherwise !== undefined) p.otherwise = String(o.otherwise);
  return p;
}

function rowText(row: Record<string, unknown>): string {
  return `{${Object.entries(row).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}`;
}

const imageVersion: JsonSchema = {
  type: 'string',
  minLength: 1,
  description: "An image by its version: one the test transferred, or one the device reports (e.g. '${expected.firmwareVersion}').",
};
const imageRef = (what: string): JsonSchema => ({
  oneOf: [imageVersion, { type: 'object', properties: { image: imageVersion }, required: ['image'], additionalProperties: false }],
  description: what,
});
const imageRefOf = (raw: unknown): ImageRefParams => ({ image: String(typeof raw === 'object' && raw !== null ? (raw as Obj).image : raw) });
/** Device seconds between a LoadRequest and its load time when the step gives none. */
const DEFAULT_LOAD_DELAY = '2m';

function expectOpOf(o: Obj): ExpectOp {
  return EXPECT_OPS.find((op) => op in o)!;
}

export const STEPS: { readonly [K in StepName]: StepDefinition<K> } = {
  power: {
    kind: 'action',
    description: "Switch the device's power with the rig's power commands.",
    usage: 'on | off | cycle',
    schema: { enum: ['on', 'off', 'cycle'] },
    normalize: (raw) => ({ op: raw as PowerParams['op'] }),
    describe: (p) => `power: ${p.op}`,
    needs: () => ({ capabilities: ['power'] }),
  },
  console: {
    kind: 'action',
    description: "Run a console command of the device's board model, named by capability, e.g. `console: clock-set +2h`.",
    usage: "'<capability> [args]' | {capability, args?}",
    schema: {
      oneOf: [
        { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*( .*)?$' },
        {
          type: 'object',
          properties: { capability: capabilityName, args: { type: 'string' } },
          required: ['capability'],
          additionalProperties: false,
        },
      ],
    },
    normalize: (raw) => {
      if (typeof raw === 'string') {
        const space = raw.indexOf(' ');
        return space < 0 ? { capability: raw, args: '' } : { capability: raw.slice(0, space), args: raw.slice(space + 1).trim() };
      }
      const o = raw as Obj;
      return { capability: String(o.capability), args: typeof o.args === 'string' ? o.args : '' };
    },
    describe: (p) => `console: ${p.capability}${p.args ? ` ${p.args}` : ''}`,
    needs: (p) => ({ capabilities: p.capability === 'console' ? ['console'] : ['console', p.capability] }),
  },
  nms: {
    kind: 'action',
    description:
      "Drive the emulated NMS (FND): wait for the device to register, or take it out of / back into the NMS inventory (out of it, its registrations are answered 4.03 like an unknown DeviceID's; the test's end puts it back).",
    usage: 'expect-registration | remove-from-inventory | add-to-inventory',
    schema: { enum: ['expect-registration', 'remove-from-inventory', 'add-to-inventory'] },
    normalize: (raw) => ({ op: raw as NmsParams['op'] }),
    describe: (p) => `nms: ${p.op}`,
  },
  get: {
    kind: 'action',
    description: 'CoAP GET of one TLV from the device; the decoded value is kept for the following expectations.',
    usage: '<tlv> | {tlv, index?}',
    schema: {
      oneOf: [
        tlvNumber,
        { type: 'object', properties: { tlv: tlvNumber, index: tlvIndex }, required: ['tlv'], additionalProperties: false },
      ],
    },
    normalize: (raw) => {
      if (typeof raw === 'number') return { tlv: raw };
      const o = raw as Obj;
      return o.index === undefined ? { tlv: o.tlv as number } : { tlv: o.tlv as number, index: o.index as number };
    },
    describe: (p) => `get: ${p.tlv}${p.index === undefined ? '' : `[${p.index}]`}`,
  },
  post: {
    kind: 'action',
    description:
      'CoAP POST of TLVs to the device, optionally signed by the NMS key and confirmable; afterSignature TLVs go after the Signature TLV, outside what it covers.',
    usage: '{tlvs: {<tlv>: value}, signed?, confirmable?, afterSignature?: {<tlv>: value}}',
    schema: {
      type: 'object',
      properties: {
        tlvs: {
          type: 'object',
          description: 'TLV number → value (decoded form; the CSMP layer encodes it).',
          propertyNames: { pattern: '^[0-9]+$' },
          minProperties: 1,
        },
        signed: { type: 'boolean', default: false },
        confirmable: { type: 'boolean', default: true },
        afterSignature: {
          type: 'object',
          description: 'TLV number → value, appended after the Signature TLV (not covered by it): a device must ignore them.',
          propertyNames: { pattern: '^[0-9]+$' },
          minProperties: 1,
        },
        groupMatch: groupMatchSchema,
        signature: signatureSchema,
        capture: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]*$', description: 'Keep the request bytes under this name for `replay`.' },
      },
      required: ['tlvs'],
      additionalProperties: false,
    },
    normalize: (raw) => {
      const o = raw as Obj;
      const p: PostParams = { tlvs: tlvMap(o.tlvs, 'tlvs'), signed: o.signed === true, confirmable: o.confirmable !== false };
      if (o.afterSignature !== undefined) p.afterSignature = tlvMap(o.afterSignature, 'afterSignature');
      if (o.groupMatch !== undefined) p.groupMatch = o.groupMatch as GroupMatchParams;
      if (o.signature !== undefined) {
        p.signature = normalizeSignature(o.signature as Obj);
        p.signed = true;
      }
      if (o.capture !== undefined) p.capture = String(o.capture);
      return p;
    },
    describe: (p) =>
      `post: ${p.groupMatch ? `GroupMatch {${p.groupMatch.type}, ${String(p.groupMatch.id)}} + ` : ''}tlv ${Object.keys(p.tlvs).join(', ')}${p.signed ? ' signed' : ''}${p.signature && describeSignature(p.signature) ? ` (${describeSignature(p.signature)})` : ''}${p.afterSignature ? ` + tlv ${Object.keys(p.afterSignature).join(', ')} after the signature` : ''}${p.confirmable ? '' : ' non-confirmable'}${p.capture ? ` as ${p.capture}` : ''}`,
  },
  replay: {
    kind: 'action',
    description: 'Send the exact bytes of a request captured earlier in the test (`post: {…, capture: NAME}`) again, as a CON POST; expect-reply judges the answer.',
    usage: '<capture name>',
    schema: replaySchema,
    normalize: (raw) => ({ name: String(raw) }),
    describe: (p) => `replay: ${p.name}`,
  },
  'registration-response': {
    kind: 'action',
    description:
      "Change the NMS's 2.03 to this device until set back with `normal`: report interval 0, added TLVs (e.g. DescriptionRequest), or signed by another key. Dangerous inputs for robustness and security suites.",
    usage: "normal | {reportInterval?, add?: {<tlv>: value}, key?: other}",
    schema: registrationResponseSchema,
    normalize: normalizeRegistrationResponse,
    describe: describeRegistrationResponse,
  },
  inject: {
    kind: 'action',
    description: 'Send a raw frame (hex) toward the device, e.g. a malformed packet for robustness tests.',
    usage: '{hex, ...options}',
    schema: {
      type: 'object',
      properties: { hex: { type: 'string', pattern: '^[0-9A-Fa-f\\s:]+$', description: 'Frame bytes; spaces and colons are ignored.' } },
      required: ['hex'],
    },
    normalize: (raw) => {
      const { hex, ...options } = raw as Obj;
      const digits = String(hex).replace(/[\s:]/g, '').toLowerCase();
      if (digits.length % 2 !== 0) throw new StepValueProblem(`hex: odd number of hex digits (${digits.length})`, ['hex']);
      return { hex: digits, options };
    },
    describe: (p) => `inject: ${p.hex.length / 2} bytes`,
  },
  firewall: {
    kind: 'action',
    description: 'Drop CSMP traffic between the NMS and the device in one direction, or allow it again.',
    usage: 'drop inbound | drop outbound | allow',
    schema: { enum: ['drop inbound', 'drop outbound', 'allow'] },
    normalize: (raw) =>
      raw === 'allow' ? { op: 'allow' } : { op: 'drop', direction: String(raw).split(' ')[1] as 'inbound' | 'outbound' },
    describe: (p) => `firewall: ${p.op}${p.direction ? ` ${p.direction}` : ''}`,
  },
  'reply-from': {
    kind: 'action',
    description: 'Which NMS address (rig nms.addresses) the emulated NMS answers from.',
    usage: 'fnd | vip',
    schema: { enum: ['fnd', 'vip'] },
    normalize: (raw) => ({ address: raw as 'fnd' | 'vip' }),
    describe: (p) => `reply-from: ${p.address}`,
    needs: (p) => ({ nmsAddresses: [p.address] }),
  },
  wait: {
    kind: 'action',
    description: 'Let time pass.',
    usage: '<duration>',
    schema: duration,
    normalize: (raw) => ({ ms: ms(raw) }),
    describe: (p) => `wait: ${formatDuration(p.ms)}`,
    impliedMs: (p) => p.ms,
  },
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
      return withOtherwise<ExpectEventParams>(
        { name: String(r.name), withinMs: ms(r.within, ['within']), ...(r.count !== undefined ? { count: Number(r.count) } : {}), ...(r.spanning !== undefined ? { spanningMs: ms(r.spanning, ['spanning']) } : {}), ...(r.atMost !== undefined ? { atMost: Number(r.atMost) } : {}), ...(r.after !== undefined ? { after: afterOf(r.after) } : {}) },
        raw,
      );
    },
    describe: (p) =>
      p.atMost !== undefined
        ? `expect-event: at most ${p.atMost} ${p.name} within ${formatDuration(p.withinMs)}`
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
        for: { ...duration, description: 'Then stays in the state for this long.' },
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
      'A counter field of a TLV, read now, changed (or not) since the test first read that TLV (0 when it had not: device counters start at 0 at boot).',
    usage: '{tlv, index?, field, increases, otherwise?}',
    schema: {
      type: 'object',
      properties: { tlv: tlvNumber, index: tlvIndex, field: { type: 'string', minLength: 1 }, increases: { type: 'boolean' }, otherwise },
      required: ['tlv', 'field', 'increases'],
      additionalProperties: false,
    },
    normalize: (raw) => {
      const o = raw as Obj;
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
  transfer: {
    kind: 'action',
    description:
      'Build a firmware image (never a checked-in binary) and upload it to the device as the head-end does: TransferRequest with hwInfo, ImageBlocks paced to the link, progress from FirmwareImageInfo bitmaps, resuming from what the device holds. ' +
      'Fails unless the device holds the whole image, or the next step judges the outcome (expect-answer, expect-transfer). ' +
      'corruptBlock flips a byte of one block; announceWrongHash announces another SHA-256; cutPowerAfterBlock switches the device off after that block (switch it on with `power: on`).',
    usage: '{image: {version, size?, seed?, hwId?, boots?}, corruptBlock?, announceWrongHash?, cutPowerAfterBlock?}',
    schema: {
      type: 'object',
      properties: {
        image: {
          type: 'object',
          properties: {
            version: { type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$', description: 'major.minor.build, written into the header.' },
            size: { type: 'integer', minimum: 512, maximum: 1048576, description: 'Whole file in bytes, header included (default 8192).' },
            seed: { type: 'integer', minimum: 1, description: 'Seed of the pseudo-random binary (default: from the version).' },
            hwId: { type: 'string', minLength: 1, description: "Hardware id in the header (default ${expected.hwId})." },
            boots: { type: 'boolean', description: 'false: an image that does not start.' },
          },
          required: ['version'],
          additionalProperties: false,
        },
        corruptBlock: { type: 'integer', minimum: 0 },
        announceWrongHash: { const: true },
        cutPowerAfterBlock: { type: 'integer', minimum: 0 },
      },
      required: ['image'],
      additionalProperties: false,
    },
    normalize: (raw) => {
      const o = raw as Obj;
      const i = o.image as Obj;
      const image: ImageSpec = { version: String(i.version) };
      if (i.size !== undefined) image.size = i.size as number;
      if (i.seed !== undefined) image.seed = i.seed as number;
      if (i.hwId !== undefined) image.hwId = String(i.hwId);
      if (i.boots !== undefined) image.boots = i.boots === true;
      const p: TransferParams = { image };
      if (o.corruptBlock !== undefined) p.corruptBlock = o.corruptBlock as number;
      if (o.announceWrongHash === true) p.announceWrongHash = true;
      if (o.cutPowerAfterBlock !== undefined) p.cutPowerAfterBlock = o.cutPowerAfterBlock as number;
      return p;
    },
    describe: (p) =>
      `transfer: ${p.image.version}${p.image.hwId ? ` for ${p.image.hwId}` : ''}${p.image.boots === false ? ' (does not boot)' : ''}` +
      `${p.corruptBlock !== undefined ? `, block ${p.corruptBlock} corrupted` : ''}${p.announceWrongHash ? ', wrong hash announced' : ''}` +
      `${p.cutPowerAfterBlock !== undefined ? `, power cut after block ${p.cutPowerAfterBlock}` : ''}`,
    needs: (p) => (p.cutPowerAfterBlock !== undefined ? { capabilities: ['power'] } : {}),
  },
  load: {
    kind: 'action',
    description:
      "LoadRequest for an image at a time of the device's clock this far ahead (default 2m; scaled on the virtual rig). Fails unless the device answers OK, or the next step is expect-answer.",
    usage: "'<version>' | {image, in?}",
    schema: {
      oneOf: [imageVersion, { type: 'object', properties: { image: imageVersion, in: duration }, required: ['image'], additionalProperties: false }],
    },
    normalize: (raw) => {
      const o = typeof raw === 'object' && raw !== null ? (raw as Obj) : { image: raw };
      return { image: String(o.image), inMs: ms(o.in ?? DEFAULT_LOAD_DELAY) };
    },
    describe: (p) => `load: ${p.image} in ${formatDuration(p.inMs)}`,
  },
  'cancel-load': {
    kind: 'action',
    description: 'CancelLoadRequest for an image whose load is scheduled. Fails unless the device answers OK, or the next step is expect-answer.',
    usage: "'<version>' | {image}",
    schema: imageRef('The image whose load is cancelled.'),
    normalize: imageRefOf,
    describe: (p) => `cancel-load: ${p.image}`,
  },
  'set-backup': {
    kind: 'action',
    description: 'SetBackupRequest: the image becomes the backup the device falls back to. Fails unless the device answers OK, or the next step is expect-answer.',
    usage: "'<version>' | {image}",
    schema: imageRef('The image to keep as the backup.'),
    normalize: imageRefOf,
    describe: (p) => `set-backup: ${p.image}`,
  },
  'restore-firmware': {
    kind: 'action',
    description:
      'For teardown: cancels the loads the test left scheduled, and when the device runs another image than this one, loads it back and waits for the device to register running it.',
    usage: "'<version>' | {image}",
    schema: imageRef('The image the device is to run again, usually ${expected.firmwareVersion}.'),
    normalize: imageRefOf,
    describe: (p) => `restore-firmware: ${p.image}`,
  },
  'expect-answer': {
    kind: 'expectation',
    description: "The device's response code (TLVs 71-74) to the test's last transfer, load, cancel-load or set-backup, by name.",
    usage: `<name> | {response, otherwise?}; name: ${FIRMWARE_RESPONSE_NAMES.join('|')}`,
    schema: {
      oneOf: [
        { enum: [...FIRMWARE_RESPONSE_NAMES] },
        { type: 'object', properties: { response: { enum: [...FIRMWARE_RESPONSE_NAMES] }, otherwise }, required: ['response'], additionalProperties: false },
      ],
    },
    normalize: (raw) =>
      typeof raw === 'string'
        ? { response: raw as FirmwareResponseLabel }
        : withOtherwise<ExpectAnswerParams>({ response: (raw as Obj).response as FirmwareResponseLabel }, raw),
    describe: (p) => `expect-answer: ${p.response}`,
  },
  'expect-transfer': {
    kind: 'expectation',
    description:
      "The test's last transfer of an image resumed where the earlier one stopped: the device still held every block sent before, and only the missing blocks were sent, each once (the NMS's counts).",
    usage: '{resumed: true, otherwise?}',
    schema: { type: 'object', properties: { resumed: { const: true }, otherwise }, required: ['resumed'], additionalProperties: false },
    normalize: (raw) => withOtherwise<ExpectTransferParams>({ resumed: true }, raw),
    describe: () => 'expect-transfer: resumed',
  },
  'expect-load': {
    kind: 'expectation',
    description:
      "After the test's last load: `on-time` — the device reboots within the load window (half to twice the delay: the reference agent's timer spread) and registers again; " +
      '`never` — no reboot and no registration until the window has passed (a cancelled load).',
    usage: 'on-time | never | {fires, otherwise?}',
    schema: {
      oneOf: [
        { enum: ['on-time', 'never'] },
        { type: 'object', properties: { fires: { enum: ['on-time', 'never'] }, otherwise }, required: ['fires'], additionalProperties: false },
      ],
    },
    normalize: (raw) =>
      typeof raw === 'string' ? { fires: raw as ExpectLoadParams['fires'] } : withOtherwise<ExpectLoadParams>({ fires: (raw as Obj).fires as ExpectLoadParams['fires'] }, raw),
    describe: (p) => `expect-load: ${p.fires}`,
  },
  'expect-slot': {
    kind: 'expectation',
    description:
      'A slot of FirmwareImageInfo (TLV 75, read now) holds the image with these properties: running, backup, its index (or the slot that ran the old image before the last load), ' +
      'complete (hash, version, size, hardware id of the transferred image and a full block bitmap).',
    usage: "{image, running?, backup?, complete?, slot?: <index>|running-before-load, otherwise?}",
    schema: {
      type: 'object',
      properties: {
        image: imageVersion,
        running: { type: 'boolean' },
        backup: { type: 'boolean' },
        complete: { const: true },
        slot: { oneOf: [{ type: 'integer', minimum: 0 }, { const: 'running-before-load' }] },
        otherwise,
      },
      required: ['image'],
      additionalProperties: false,
    },
    normalize: (raw) => {
      const o = raw as Obj;
      const p: ExpectSlotParams = { image: String(o.image) };
      if (o.running !== undefined) p.running = o.running === true;
      if (o.backup !== undefined) p.backup = o.backup === true;
      if (o.complete === true) p.complete = true;
      if (o.slot !== undefined) p.slot = o.slot as ExpectSlotParams['slot'];
      return withOtherwise(p, raw);
    },
    describe: (p) =>
      `expect-slot: ${p.image}${p.running !== undefined ? (p.running ? ' running' : ' not running') : ''}${p.backup !== undefined ? (p.backup ? ' backup' : ' not backup') : ''}` +
      `${p.complete ? ' complete' : ''}${p.slot !== undefined ? ` in slot ${p.slot}` : ''}`,
  },
};

export const STEP_NAMES = Object.keys(STEPS) as StepName[];

export function isStepName(name: string): name is StepName {
  return Object.hasOwn(STEPS, name);
}

/** Builds a loaded Step from a schema-valid one-key object. Throws StepValueProblem for unusable values. */
export function normalizeStep(name: StepName, raw: unknown, meta: Omit<StepMeta, 'text'>): Step {
  const def = STEPS[name] as StepDefinition<StepName>;
  const params = def.normalize(raw);
  return { name, params, ...meta, text: def.describe(params as never) } as Step;
}

export function stepNeeds(step: Step): StepNeeds {
  const def = STEPS[step.name] as StepDefinition<StepName>;
  return def.needs?.(step.params as never) ?? {};
}

export function stepImpliedMs(step: Step): number {
  const def = STEPS[step.name] as StepDefinition<StepName>;
  return def.impliedMs?.(step.params as never) ?? 0;
}

/** Rows for `hil list steps`. */
export function stepVocabulary(): { name: StepName; kind: StepKind; usage: string; description: string }[] {
  return STEP_NAMES.map((name) => ({ name, kind: STEPS[name].kind, usage: STEPS[name].usage, description: STEPS[name].description }));
}

/** The JSON Schema of one step, built from the table: an object with exactly one known key. */
export function stepSchema(): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const name of STEP_NAMES) {
    const def = STEPS[name];
    properties[name] = { ...def.schema, description: `${def.kind}: ${def.description} Usage: ${name}: ${def.usage}` };
  }
  return {
    type: 'object',
    description: 'One action or expectation: an object with exactly one key.',
    minProperties: 1,
    maxProperties: 1,
    properties,
    additionalProperties: false,
  };
}

/** `after: name` or `after: {name, count?}` as one shape. */
function afterOf(raw: unknown): { name: string; count: number } {
  if (typeof raw === 'object' && raw !== null) {
    const o = raw as { name: unknown; count?: unknown };
    return { name: String(o.name), count: o.count === undefined ? 1 : Number(o.count) };
  }
  return { name: String(raw), count: 1 };
}
