import { DURATION_PATTERN } from '../../core/duration.js';
import { DIAGNOSIS_BRANCHES } from './expectation-steps.js';
import { stepSchema } from './steps.js';
import type { JsonSchema } from './step-kit.js';

/**
 * What a suite may name as its branch: a branch of the registration troubleshooting flowchart, or
 * one of the kinds of suite that check no single branch. A misspelt branch would file a suite's
 * results under a branch no report shows.
 */
export const SUITE_BRANCHES: readonly string[] = [...DIAGNOSIS_BRANCHES.filter((b) => b !== 'healthy'), 'baseline', 'security', 'robustness', 'timing', 'firmware-upgrade'];

export function suiteSchema(): JsonSchema {
  const requires: JsonSchema = {
    type: 'array',
    items: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
    uniqueItems: true,
    description: 'Capabilities a device must offer; a device without them skips the test with the reason.',
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'csmp-hil suite',
    description: 'Tests of one flowchart branch (or baseline, or certification set), run against every matching device.',
    type: 'object',
    properties: {
      suite: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'Suite name, unique among loaded suites.' },
      branch: { enum: [...SUITE_BRANCHES], description: "Flowchart branch id, e.g. 'clock-skew' (or baseline, security, robustness, timing)." },
      description: { type: 'string' },
      requires,
      freshRegistration: {
        type: 'boolean',
        description:
          "The suite's tests need the device registered by this run's NMS: when the rig's session starts as-found, the device is made to register again (power cycle, else signed RebootRequest) before the suite's first test on it, unless this NMS has already answered its registration.",
      },
      setup: { $ref: '#/definitions/steps', description: 'Steps run before each test (after the device session is set up).' },
      teardown: { $ref: '#/definitions/steps', description: 'Steps run after each test, whatever its outcome.' },
      tests: { type: 'array', minItems: 1, items: { $ref: '#/definitions/test' } },
    },
    required: ['suite', 'branch', 'tests'],
    additionalProperties: false,
    definitions: {
      step: stepSchema(),
      steps: { type: 'array', items: { $ref: '#/definitions/step' } },
      test: {
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1 },
          description: { type: 'string' },
          requires,
          timeout: { type: 'string', pattern: DURATION_PATTERN, description: "Whole-test limit, e.g. '5m'." },
          steps: { type: 'array', minItems: 1, items: { $ref: '#/definitions/step' } },
        },
        required: ['name', 'steps'],
        additionalProperties: false,
      },
    },
  };
}
