/**
 * The shape of each history line (format.ts), checked where the store is read (read.ts) so that
 * `hil history`, the HTML trend and anything else reading the store see only records of the form
 * they rely on: a line a tool or a disk mangled (`"attempts": null`, a number for a name) is
 * skipped and named, never dereferenced.
 */
import type { JsonSchema } from '../config/step-kit.js';
import { jsonProblem } from '../config/schema-errors.js';
import { compileSchema } from '../config/validator.js';
import { HISTORY_FORMAT } from './format.js';

const text: JsonSchema = { type: 'string' };
const time: JsonSchema = { type: 'number' };
const count: JsonSchema = { type: 'integer', minimum: 0 };
const TEST_STATUS = ['passed', 'failed', 'skipped', 'interrupted', 'error'];

const run: JsonSchema = {
  type: 'object',
  required: ['type', 'format', 'version', 'runId', 'rig', 'startTime', 'host'],
  properties: {
    type: { const: 'run' },
    format: { const: HISTORY_FORMAT },
    version: { type: 'integer', minimum: 1 },
    runId: text,
    rig: text,
    startTime: time,
    host: text,
    ciJobUrl: text,
    shard: { type: 'object', required: ['index', 'total'], properties: { index: { type: 'integer', minimum: 1 }, total: { type: 'integer', minimum: 1 } } },
  },
};

const test: JsonSchema = {
  type: 'object',
  required: ['type', 'runId', 'testId', 'suite', 'test', 'device', 'eui64', 'firmwareVersion', 'outcome', 'attempts', 'startTime', 'duration'],
  properties: {
    type: { const: 'test' },
    runId: text,
    testId: text,
    suite: text,
    test: text,
    device: text,
    eui64: text,
    firmwareVersion: text,
    outcome: { enum: ['expected', 'unexpected', 'flaky', 'skipped'] },
    fault: { enum: ['firmware', 'rig'] },
    attempts: { type: 'array', minItems: 1, items: { enum: TEST_STATUS } },
    message: text,
    startTime: time,
    duration: time,
  },
};

const end: JsonSchema = {
  type: 'object',
  required: ['type', 'runId', 'status', 'duration', 'counts'],
  properties: {
    type: { const: 'end' },
    runId: text,
    status: { enum: ['passed', 'failed', 'interrupted', 'error'] },
    duration: time,
    counts: {
      type: 'object',
      required: ['passed', 'failed', 'flaky', 'skipped', 'interrupted', 'error'],
      properties: { passed: count, failed: count, flaky: count, skipped: count, interrupted: count, error: count },
    },
  },
};

const SCHEMAS = { run, test, end } as const;

/** What is wrong with a history line, or undefined when it is a record of its `type`. */
export function historyLineProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `not a JSON object (found ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value})`;
  const type = (value as { type?: unknown }).type;
  if (type === undefined) return "missing property 'type'";
  if (typeof type !== 'string' || !Object.hasOwn(SCHEMAS, type)) return `type ${JSON.stringify(type)} is not one of run, test, end`;
  return jsonProblem(compileSchema(SCHEMAS[type as keyof typeof SCHEMAS]), value);
}
