/**
 * The shape `hil verify` needs of an envelope and its statement before it reads a field: a bundle
 * is input from anyone, so a `null` where the manifest lists files, or a path that is a number,
 * is a refusal naming the field, never a TypeError. Only what verify and its report read is
 * required; the rest of the predicate stays free to grow.
 */
import { jsonProblem } from '../config/schema-errors.js';
import { compileSchema } from '../config/validator.js';
import type { JsonSchema } from '../config/step-kit.js';

const sha256: JsonSchema = { type: 'object', required: ['sha256'], properties: { sha256: { type: 'string' } } };
const named: JsonSchema = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } };

const envelopeSchema: JsonSchema = {
  type: 'object',
  required: ['payloadType', 'payload', 'signatures'],
  properties: {
    payloadType: { type: 'string' },
    payload: { type: 'string' },
    signatures: { type: 'array', items: { type: 'object', required: ['sig'], properties: { sig: { type: 'string' }, keyid: { type: 'string' } } } },
  },
};

const statementSchema: JsonSchema = {
  type: 'object',
  required: ['_type', 'subject', 'predicateType', 'predicate'],
  properties: {
    _type: { type: 'string' },
    predicateType: { type: 'string' },
    subject: { type: 'array', minItems: 1, items: { type: 'object', required: ['name', 'digest'], properties: { name: { type: 'string' }, digest: sha256 } } },
    predicate: {
      type: 'object',
      required: ['verdict', 'reasons', 'files', 'verdicts', 'suiteSet', 'rig', 'harness'],
      properties: {
        verdict: { enum: ['certified', 'not certified'] },
        reasons: { type: 'array', items: { type: 'string' } },
        files: {
          type: 'array',
          items: { type: 'object', required: ['path', 'digest', 'size'], properties: { path: { type: 'string', minLength: 1 }, digest: sha256, size: { type: 'integer', minimum: 0 } } },
        },
        folders: { type: 'array', items: { type: 'string', minLength: 1 } },
        verdicts: { type: 'array' },
        suiteSet: { ...named, required: ['name', 'version'], properties: { name: { type: 'string' }, version: { type: ['string', 'number'] } } },
        rig: named,
        harness: { type: 'object', required: ['name', 'version'], properties: { name: { type: 'string' }, version: { type: 'string' } } },
      },
    },
  },
};

/** Why `value` is not a DSSE envelope verify can read ("signatures[0].keyid: must be a string (found 1)"), or undefined. */
export function envelopeShapeProblem(value: unknown): string | undefined {
  return jsonProblem(compileSchema(envelopeSchema), value);
}

/** Why `value` is not a certification statement verify can read, or undefined. */
export function statementShapeProblem(value: unknown): string | undefined {
  return jsonProblem(compileSchema(statementSchema), value);
}
