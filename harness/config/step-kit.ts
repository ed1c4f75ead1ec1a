/**
 * What every family of steps is built from: the shape of a step's definition, the schema pieces
 * more than one family uses (durations, TLV numbers, `otherwise`) and the checks their
 * normalisers share. The families (action-steps.ts, expectation-steps.ts, firmware-steps.ts) fill
 * steps.ts's one table with these.
 */
import { DURATION_PATTERN, durationProblem, parseDuration } from '../../core/duration.js';

export type JsonSchema = Record<string, unknown>;
export type StepKind = 'action' | 'expectation';

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

/** One step of the vocabulary; P is what its normaliser makes of the suite's value. */
export interface StepDefinition<P> {
  kind: StepKind;
  description: string;
  /** Short form shown in errors and `hil list`. */
  usage: string;
  schema: JsonSchema;
  normalize(raw: unknown): P;
  describe(p: P): string;
  needs?(p: P): StepNeeds;
  /** Time the step legitimately takes by its own definition (a wait, a `within`); added to the step timeout. */
  impliedMs?(p: P): number;
}

export const duration: JsonSchema = { type: 'string', pattern: DURATION_PATTERN, description: "A duration: '500ms', '60s', '2m', '1h'." };
export const tlvNumber: JsonSchema = { type: 'integer', minimum: 1, maximum: 65535, description: 'CSMP TLV type number.' };
export const tlvIndex: JsonSchema = { type: 'integer', minimum: 0, description: 'Index of the TLV instance when the device reports several.' };
export const otherwise: JsonSchema = {
  type: 'string',
  minLength: 1,
  description: 'What it means when this expectation is not met (e.g. the firmware defect); reported as the likely cause.',
};

export type Obj = Record<string, unknown>;
/** A schema-valid duration in ms; one past what a timer can wait is refused where it is written. */
export function ms(text: unknown, path: (string | number)[] = []): number {
  const problem = durationProblem(String(text));
  if (problem) throw new StepValueProblem(problem, path);
  return parseDuration(String(text))!;
}

export function withOtherwise<T extends { otherwise?: string }>(p: T, raw: unknown): T {
  const o = raw as Obj;
  if (typeof o === 'object' && o !== null && o.otherwise !== undefined) p.otherwise = String(o.otherwise);
  return p;
}
