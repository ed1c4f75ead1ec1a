/**
 * The actions a suite may take on a device and its surroundings: power, console, the NMS's
 * inventory, GET and POST (signed or attacked, see attack-steps.ts), replays, raw frames, the
 * firewall, which address the NMS answers from, and waiting. steps.ts puts them into the one table.
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
import { formatDuration } from '../../core/duration.js';
import { duration, ms, StepValueProblem, tlvIndex, tlvNumber, type JsonSchema, type Obj, type StepDefinition } from './step-kit.js';

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
export type InjectLayer = 'coap' | 'udp' | 'ipv6' | 'slip';
export interface InjectParams {
  hex: string;
  layer: InjectLayer;
  /** Expected answer: a code ('4.00', '4.xx'), 'none', or alternatives joined by '|'. Layers coap and udp only. */
  answer?: string;
  padTo?: number;
  checksum: 'good' | 'bad';
}
export interface FirewallParams { op: 'drop' | 'allow'; direction?: 'inbound' | 'outbound' }
export interface ReplyFromParams { address: 'vip' | 'fnd' }
export interface WaitParams { ms: number }

export interface ActionStepParams {
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
}

const capabilityName: JsonSchema = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' };

/** CSMP TLV types are varints of at most 32 bits (csmp-protocol.md 4.1). */
const MAX_TLV_TYPE = 0xffff_ffff;
/** '4.00', '4.xx', 'none', or alternatives joined by '|' (inject's answer). */
const INJECT_ANSWER_PATTERN = '^\\s*(none|[0-7]\\.[0-9x]{2})(\\s*\\|\\s*(none|[0-7]\\.[0-9x]{2}))*\\s*$';

/** `get: <tlv>`: any integer to the schema, its range said by tlvIdInRange. */
const bareTlvId: JsonSchema = { type: 'integer', description: 'CSMP TLV type number, 1 to 65535.' };

/** `tlv` when it is a TLV id a GET can ask for (tlvNumber's range); StepValueProblem otherwise. */
function tlvIdInRange(tlv: number): number {
  const min = tlvNumber.minimum as number;
  const max = tlvNumber.maximum as number;
  if (!(tlv >= min && tlv <= max)) throw new StepValueProblem(`TLV id ${tlv} is out of range (${min} to ${max})`);
  return tlv;
}

/** TLV number → value maps of a post: every key a TLV type the wire can carry. */
function tlvMap(value: unknown, key: string): Record<string, unknown> {
  const map = value as Record<string, unknown>;
  for (const type of Object.keys(map)) {
    if (!(Number(type) >= 1 && Number(type) <= MAX_TLV_TYPE)) throw new StepValueProblem(`TLV type ${type.length > 20 ? `${type.slice(0, 20)}…` : type} is not 1 to ${MAX_TLV_TYPE} (a 32-bit varint)`, [key, type]);
  }
  return map;
}

export const ACTION_STEPS: { readonly [K in keyof ActionStepParams]: StepDefinition<ActionStepParams[K]> } = {
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
    // The bare TLV id's range is checked by normalize, not the schema: out of range, it failed both
    // branches and was explained by the mapping's ("get: must be a mapping (found 70000)"). In the
    // mapping the schema's range is explained at the field ("get.tlv: must be <= 65535").
    schema: {
      oneOf: [
        bareTlvId,
        { type: 'object', properties: { tlv: tlvNumber, index: tlvIndex }, required: ['tlv'], additionalProperties: false },
      ],
    },
    normalize: (raw) => {
      if (typeof raw === 'number') return { tlv: tlvIdInRange(raw) };
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
    usage: '{hex, layer?, answer?, padTo?, checksum?}',
    schema: {
      type: 'object',
      properties: {
        hex: { type: 'string', pattern: '^[0-9A-Fa-f\\s:]+$', description: 'Frame bytes; spaces and colons are ignored.' },
        layer: {
          enum: ['coap', 'udp', 'ipv6', 'slip'],
          description: "coap or udp (default): the bytes as a UDP datagram from the NMS's request address and port; ipv6: a whole IPv6 packet; slip: bytes on the serial line outside any SLIP frame.",
        },
        answer: {
          type: 'string',
          pattern: INJECT_ANSWER_PATTERN,
          description: "What the device must answer (layers coap and udp): a code ('4.00', '4.xx'), 'none' (silently dropped), or alternatives joined by '|'.",
        },
        padTo: { type: 'integer', minimum: 1, maximum: 65535, description: 'Append zero bytes up to this many.' },
        checksum: { enum: ['good', 'bad'], description: 'bad: send the datagram as an IPv6 packet whose UDP checksum is wrong (layers coap and udp).' },
      },
      required: ['hex'],
      additionalProperties: false,
    },
    normalize: (raw) => {
      const o = raw as Obj;
      const digits = String(o.hex).replace(/[\s:]/g, '').toLowerCase();
      if (digits.length % 2 !== 0) throw new StepValueProblem(`hex: odd number of hex digits (${digits.length})`, ['hex']);
      const layer = (o.layer ?? 'coap') as InjectLayer;
      const datagram = layer === 'coap' || layer === 'udp';
      // Only a datagram the harness builds has a Message ID and ends an answer can be matched on.
      if (o.answer !== undefined && !datagram) {
        throw new StepValueProblem(
          `answer: cannot be judged on layer ${layer}: the bytes carry no CoAP message whose answer could be matched (answer is judged on layers coap and udp)`,
          ['answer'],
        );
      }
      if (o.checksum === 'bad' && !datagram) {
        throw new StepValueProblem(`checksum: bad applies to layers coap and udp (the harness builds their UDP header); on layer ${layer} the bytes are sent as given`, ['checksum']);
      }
      const p: InjectParams = { hex: digits, layer, checksum: o.checksum === 'bad' ? 'bad' : 'good' };
      if (o.answer !== undefined) p.answer = String(o.answer);
      if (o.padTo !== undefined) p.padTo = Number(o.padTo);
      return p;
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
};
