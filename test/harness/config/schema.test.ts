import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { parseRig } from '../../../harness/config/rig.js';
import { parseSuite } from '../../../harness/config/suite.js';
import { STEP_NAMES, stepVocabulary } from '../../../harness/config/steps.js';

const SUITE_SCHEMA = 'suites/schema/suite.schema.json';
const RIG_SCHEMA = 'rigs/schema/rig.schema.json';
const EXAMPLES = 'suites/schema/examples';

const yamlFiles = (dir: string): string[] => {
  try {
    return readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).map((n) => join(dir, n));
  } catch {
    return [];
  }
};
const exampleRigs = yamlFiles(EXAMPLES).filter((f) => f.endsWith('.rig.yaml'));
const exampleSuites = yamlFiles(EXAMPLES).filter((f) => f.endsWith('.suite.yaml'));

// Freshness of the published files: test/harness/app/publish-schemas.test.ts.

describe('the published schemas, as an editor sees them, accept every example', () => {
  const ajv = new Ajv({ strict: false, allowUnionTypes: true });
  const rigSchema = ajv.compile(JSON.parse(readFileSync(RIG_SCHEMA, 'utf8')));
  const suiteSchema = ajv.compile(JSON.parse(readFileSync(SUITE_SCHEMA, 'utf8')));

  test.each([...exampleRigs, ...yamlFiles('rigs')])('rig %s', (file) => {
    expect(rigSchema(parse(readFileSync(file, 'utf8')))).toBe(true);
    expect(rigSchema.errors ?? null).toBeNull();
    expect(() => parseRig(readFileSync(file, 'utf8'), file, { checkFiles: false })).not.toThrow();
  });

  test.each([...exampleSuites, ...yamlFiles('suites')])('suite %s', (file) => {
    expect(suiteSchema(parse(readFileSync(file, 'utf8')))).toBe(true);
    expect(() => parseSuite(readFileSync(file, 'utf8'), file)).not.toThrow();
  });

  test('examples and the shipped rigs and suites carry the yaml-language-server hint to their schema', () => {
    const hint = (f: string) => /^# yaml-language-server: \$schema=(.+)$/m.exec(readFileSync(f, 'utf8'))?.[1];
    for (const f of [...exampleRigs, ...yamlFiles('rigs')]) expect([f, resolve(dirname(f), hint(f) ?? '')]).toEqual([f, resolve(RIG_SCHEMA)]);
    for (const f of [...exampleSuites, ...yamlFiles('suites')]) expect([f, resolve(dirname(f), hint(f) ?? '')]).toEqual([f, resolve(SUITE_SCHEMA)]);
  });
});

test('the examples use every step of the vocabulary', () => {
  const used = new Set<string>();
  for (const file of exampleSuites) {
    const suite = parseSuite(readFileSync(file, 'utf8'), file);
    for (const step of [...suite.setup, ...suite.teardown, ...suite.tests.flatMap((t) => t.steps)]) used.add(step.name);
  }
  expect([...used].sort()).toEqual([...STEP_NAMES].sort());
});

test('the vocabulary lists every step with usage and description', () => {
  const rows = stepVocabulary();
  expect(rows.map((r) => r.name)).toEqual(STEP_NAMES);
  expect(rows.filter((r) => r.kind === 'expectation').map((r) => r.name)).toEqual([
    'expect',
    'expect-event',
    'expect-reports',
    'expect-state',
    'expect-counter',
    'expect-reply',
    'expect-diagnosis',
    'expect-answer',
    'expect-transfer',
    'expect-load',
    'expect-slot',
  ]);
  for (const r of rows) {
    expect(r.usage.length).toBeGreaterThan(0);
    expect(r.description.length).toBeGreaterThan(0);
  }
});
