/**
 * The step vocabulary: every action and expectation a suite may use, in one table. The suite JSON
 * Schema, the loader's normalisation, the capability check and `hil list` all read this table, so a
 * new step is added to its family's table once (action-steps.ts, expectation-steps.ts,
 * firmware-steps.ts) and nowhere else.
 */
import { ACTION_STEPS, type ActionStepParams } from './action-steps.js';
import { EXPECTATION_STEPS, type ExpectationStepParams } from './expectation-steps.js';
import { FIRMWARE_STEPS, type FirmwareStepParams } from './firmware-steps.js';
import type { JsonSchema, StepDefinition, StepKind, StepNeeds } from './step-kit.js';

export interface StepParamsByName extends ActionStepParams, ExpectationStepParams, FirmwareStepParams {}
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

export const STEPS: { readonly [K in StepName]: StepDefinition<StepParamsByName[K]> } = { ...ACTION_STEPS, ...EXPECTATION_STEPS, ...FIRMWARE_STEPS };

export const STEP_NAMES = Object.keys(STEPS) as StepName[];

export function isStepName(name: string): name is StepName {
  return Object.hasOwn(STEPS, name);
}

/** Builds a loaded Step from a schema-valid one-key object. Throws StepValueProblem for unusable values. */
export function normalizeStep(name: StepName, raw: unknown, meta: Omit<StepMeta, 'text'>): Step {
  const def = STEPS[name] as StepDefinition<unknown>;
  const params = def.normalize(raw);
  return { name, params, ...meta, text: def.describe(params) } as Step;
}

export function stepNeeds(step: Step): StepNeeds {
  const def = STEPS[step.name] as StepDefinition<unknown>;
  return def.needs?.(step.params) ?? {};
}

export function stepImpliedMs(step: Step): number {
  const def = STEPS[step.name] as StepDefinition<unknown>;
  return def.impliedMs?.(step.params) ?? 0;
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

