/**
 * Suite vocabulary for attacking a device on purpose (security and robustness suites): how a
 * `post` is signed when it should not verify, capturing and replaying a request, and a 2.03 the
 * NMS would never send by itself. action-steps.ts wires these into the post, replay and
 * registration-response steps.
 */
import { parseDuration } from '../../core/duration.js';
import type { JsonSchema } from './step-kit.js';

/** Kept in step with harness/csmp/der-mutation.ts (the config layer does not encode bytes). */
export const DER_MUTATION_NAMES = ['truncated', 'trailing-bytes', 'non-minimal-r', 'long-form-length', 'r-zero', 's-at-least-n', 'non-minimal-s', 's-zero', 'r-at-least-n'] as const;

export interface SignatureParams {
  key?: 'nms' | 'other';
  /** Seconds from NMS time when signing (negative: in the past). */
  notBeforeS?: number;
  notAfterS?: number;
  omitValidity?: boolean;
  der?: (typeof DER_MUTATION_NAMES)[number];
}

export interface GroupMatchParams {
  type: number;
  id: unknown;
}

export interface ReplayParams {
  name: string;
}

export interface RegistrationResponseParams {
  /** true: back to the NMS's own 2.03. */
  normal: boolean;
  reportIntervalS?: number;
  add?: Record<string, unknown>;
  key?: 'nms' | 'other';
}

const OFFSET = '^[+-]?[0-9]+(\\.[0-9]+)?(ms|s|m|h)$';

export const signatureSchema: JsonSchema = {
  type: 'object',
  description: 'Sign another way than the NMS does; implies signed.',
  properties: {
    key: { enum: ['nms', 'other'], description: "'other': a key no device trusts." },
    notBefore: { type: 'string', pattern: OFFSET, description: "SignatureValidity.notBefore relative to NMS time: '-1s', '+1m'." },
    notAfter: { type: 'string', pattern: OFFSET, description: 'SignatureValidity.notAfter relative to NMS time.' },
    validity: { const: 'omit', description: 'Leave SignatureValidity out.' },
    der: { enum: [...DER_MUTATION_NAMES], description: 'Break the ECDSA-Sig-Value this way.' },
  },
  additionalProperties: false,
};

export const groupMatchSchema: JsonSchema = {
  type: 'object',
  description: 'GroupMatch TLV (57) sent first, covered by the signature: 1 configuration, 2 firmware.',
  properties: { type: { enum: [1, 2] }, id: {} },
  required: ['type', 'id'],
  additionalProperties: false,
};

function offsetS(text: string): number {
  const sign = text.startsWith('-') ? -1 : 1;
  return (sign * parseDuration(text.replace(/^[+-]/, ''))!) / 1000;
}

export function normalizeSignature(o: Record<string, unknown>): SignatureParams {
  const p: SignatureParams = {};
  if (o['key'] !== undefined) p.key = o['key'] as 'nms' | 'other';
  if (o['notBefore'] !== undefined) p.notBeforeS = offsetS(String(o['notBefore']));
  if (o['notAfter'] !== undefined) p.notAfterS = offsetS(String(o['notAfter']));
  if (o['validity'] === 'omit') p.omitValidity = true;
  if (o['der'] !== undefined) p.der = o['der'] as SignatureParams['der'];
  return p;
}

export function describeSignature(p: SignatureParams): string {
  const parts = [
    p.key === 'other' ? 'by another key' : '',
    p.notBeforeS !== undefined ? `notBefore ${p.notBeforeS >= 0 ? '+' : ''}${p.notBeforeS}s` : '',
    p.notAfterS !== undefined ? `notAfter ${p.notAfterS >= 0 ? '+' : ''}${p.notAfterS}s` : '',
    p.omitValidity ? 'no SignatureValidity' : '',
    p.der ? `DER ${p.der}` : '',
  ].filter((s) => s);
  return parts.join(', ');
}

export const replaySchema: JsonSchema = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]*$', description: 'Name a post step captured with `capture`.' };

export const registrationResponseSchema: JsonSchema = {
  oneOf: [
    { const: 'normal' },
    {
      type: 'object',
      properties: {
        reportInterval: { type: 'integer', minimum: 0, description: 'ReportSubscribe.interval in seconds; 0 is dangerous for devices (doc 6.4).' },
        add: { type: 'object', propertyNames: { pattern: '^[0-9]+$' }, minProperties: 1, description: 'TLV number → value added before the signature, e.g. a DescriptionRequest (8).' },
        key: { enum: ['nms', 'other'] },
      },
      minProperties: 1,
      additionalProperties: false,
    },
  ],
};

export function normalizeRegistrationResponse(raw: unknown): RegistrationResponseParams {
  if (raw === 'normal') return { normal: true };
  const o = raw as Record<string, unknown>;
  const p: RegistrationResponseParams = { normal: false };
  if (o['reportInterval'] !== undefined) p.reportIntervalS = Number(o['reportInterval']);
  if (o['add'] !== undefined) p.add = o['add'] as Record<string, unknown>;
  if (o['key'] !== undefined) p.key = o['key'] as 'nms' | 'other';
  return p;
}

export function describeRegistrationResponse(p: RegistrationResponseParams): string {
  if (p.normal) return 'registration-response: normal';
  const parts = [
    p.reportIntervalS !== undefined ? `report interval ${p.reportIntervalS}` : '',
    p.add ? `+ tlv ${Object.keys(p.add).join(', ')}` : '',
    p.key === 'other' ? 'signed by another key' : '',
  ].filter((s) => s);
  return `registration-response: ${parts.join(', ')}`;
}
