import { DURATION_PATTERN } from '../../core/duration.js';
import { stepSchema, type JsonSchema } from './steps.js';

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
      branch: { type: 'string', minLength: 1, description: "Flowchart branch id, e.g. 'clock-skew'." },
      description: { type: 'string' },
      requires,
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
