import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../core/errors.js';
import { loadSuites, parseSuite, requirementsOf } from '../../../harness/config/suite.js';
import { STEP_NAMES } from '../../../harness/config/steps.js';

const FILE = 'suites/clock-skew.yaml';

function errorOf(text: string): string {
  try {
    parseSuite(text, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

/** A suite whose test steps are the given lines; steps start on line 6, at column 9 after "      - ". */
function withSteps(...lines: string[]): string {
  return ['suite: clock-skew', 'branch: clock-skew', 'tests:', '  - name: a', '    steps:', ...lines.map((l) => `      - ${l}`), ''].join('\n');
}

describe('suite loader errors name file:line:col and what is wrong', () => {
  test('unknown action', () => {
    expect(errorOf(withSteps('power: cycle', 'wait: 5s', 'powr-cycle: now'))).toBe(
      `suites/clock-skew.yaml:8:9: step 3: unknown action 'powr-cycle' (expected one of ${STEP_NAMES.join(', ')})`,
    );
  });

  test('value outside an enum points at the value', () => {
    expect(errorOf(withSteps('power: of'))).toBe("suites/clock-skew.yaml:6:16: step 1: power: 'of' is not one of on, off, cycle");
  });

  test('bad duration', () => {
    expect(errorOf(withSteps('wait: 5 s'))).toBe(
      "suites/clock-skew.yaml:6:15: step 1: wait: '5 s' is not a duration (use e.g. 500ms, 60s, 2m, 1h)",
    );
  });

  test('a value fitting no form of a step shows the usage', () => {
    expect(errorOf(withSteps('get: abc'))).toBe("suites/clock-skew.yaml:6:14: step 1: get: expected <tlv> | {tlv, index?} (found 'abc')");
  });

  test('the deepest problem wins inside an object form', () => {
    expect(errorOf(withSteps('get: { tlv: x }'))).toBe("suites/clock-skew.yaml:6:21: step 1: get.tlv: must be an integer (found 'x')");
  });

  test('expect needs exactly one operator', () => {
    expect(errorOf(withSteps('expect: { tlv: 43, field: NMSCertValid }'))).toBe(
      'suites/clock-skew.yaml:6:17: step 1: expect: needs exactly one of equals, notEquals, absent, present, matches, gte, lte',
    );
  });

  test('a step with two keys', () => {
    expect(errorOf(withSteps('{ power: on, wait: 5s }'))).toBe('suites/clock-skew.yaml:6:9: step 1: a step has exactly one key (found power, wait)');
  });

  test('a bare word is not a step', () => {
    expect(errorOf(withSteps('power-cycle'))).toBe(
      "suites/clock-skew.yaml:6:9: step 1: a step is a mapping with one key, like 'power: cycle' (found 'power-cycle')",
    );
  });

  test('an unknown property of a step value', () => {
    expect(errorOf(withSteps('expect-event: { name: x, within: 1s, withn: 2s }'))).toBe(
      "suites/clock-skew.yaml:6:46: step 1: expect-event: unknown property 'withn' (expected one of name, within, otherwise)",
    );
  });

  test('invalid regular expression is found after the schema', () => {
    expect(errorOf(withSteps('expect: { tlv: 75, field: v, matches: "(" }'))).toBe(
      'suites/clock-skew.yaml:6:47: step 1: expect: invalid regular expression: Invalid regular expression: /(/: Unterminated group',
    );
  });

  test('odd number of hex digits in inject', () => {
    expect(errorOf(withSteps('inject: { hex: "60 0" }'))).toBe('suites/clock-skew.yaml:6:24: step 1: inject: hex: odd number of hex digits (3)');
  });

  test('setup steps are labelled as such', () => {
    const text = ['suite: s', 'branch: b', 'setup:', '  - power: cycle', '  - nms: expect-reg', 'tests:', '  - { name: a, steps: [ { wait: 1s } ] }', ''].join('\n');
    expect(errorOf(text)).toBe("suites/clock-skew.yaml:5:10: setup step 2: nms: 'expect-reg' is not one of expect-registration, remove-from-inventory, add-to-inventory");
  });

  test('missing top-level property', () => {
    expect(errorOf('suite: s\ntests:\n  - { name: a, steps: [ { wait: 1s } ] }\n')).toBe(
      "suites/clock-skew.yaml:1:1: missing property 'branch'",
    );
  });

  test('a test without steps is named', () => {
    expect(errorOf('suite: s\nbranch: b\ntests:\n  - name: lonely\n    timeout: 5m\n')).toBe(
      "suites/clock-skew.yaml:4:5: test 'lonely': missing property 'steps'",
    );
  });

  test('a bad test timeout', () => {
    expect(errorOf('suite: s\nbranch: b\ntests:\n  - name: t\n    timeout: soon\n    steps: [ { wait: 1s } ]\n')).toBe(
      "suites/clock-skew.yaml:5:14: test 't': timeout: 'soon' is not a duration (use e.g. 500ms, 60s, 2m, 1h)",
    );
  });

  test('duplicate test names', () => {
    expect(errorOf('suite: s\nbranch: b\ntests:\n  - { name: t, steps: [ { wait: 1s } ] }\n  - { name: t, steps: [ { wait: 2s } ] }\n')).toBe(
      "suites/clock-skew.yaml:5:13: test 't' is defined twice",
    );
  });

  test('YAML syntax errors keep their position', () => {
    expect(errorOf('suite: s\nsuite: t\n')).toBe('suites/clock-skew.yaml:2:1: YAML: Map keys must be unique');
  });
});

describe('suite loader results', () => {
  test("expect-state 'unknown' is the NMS's 'unheard' (a device never heard from)", () => {
    const [step] = parseSuite(withSteps('expect-state: { state: unknown, within: 1m }'), FILE).tests[0]!.steps;
    expect(step!.params).toEqual({ state: 'unheard', withinMs: 60_000 });
  });

  const text = [
    'suite: clock-skew',
    'branch: clock-skew',
    'requires: [console]',
    'setup:',
    '  - power: cycle',
    'teardown:',
    '  - console: clock-set now',
    'tests:',
    '  - name: skew',
    '    requires: [demo-mode]',
    '    timeout: 2m',
    '    steps:',
    '      - console: clock-set +2h',
    '      - reply-from: vip',
    '      - expect-event: { name: signatureFailure, within: 60s }',
    '      - get: 75',
    '      - expect: { tlv: 43, field: NMSCertValid, equals: false }',
    '',
  ].join('\n');

  test('steps are normalised with their position and canonical text', () => {
    const suite = parseSuite(text, FILE);
    const [t] = suite.tests;
    expect(t!.timeoutMs).toBe(120_000);
    expect(t!.where).toBe('suites/clock-skew.yaml:9:5');
    expect(t!.steps.map((s) => s.text)).toEqual([
      'console: clock-set +2h',
      'reply-from: vip',
      'expect-event: signatureFailure within 1m',
      'get: 75',
      'expect: tlv 43 NMSCertValid equals false',
    ]);
    expect(t!.steps[0]).toEqual({
      name: 'console',
      params: { capability: 'clock-set', args: '+2h' },
      index: 1,
      phase: 'test',
      where: 'suites/clock-skew.yaml:13:9',
      text: 'console: clock-set +2h',
    });
    expect(t!.steps[2]!.params).toEqual({ name: 'signatureFailure', withinMs: 60_000 });
    expect(suite.setup[0]!.phase).toBe('setup');
  });

  test('requirements combine the suite, the test and what the steps imply', () => {
    const suite = parseSuite(text, FILE);
    const req = requirementsOf(suite, suite.tests[0]!);
    expect(req.capabilities.sort()).toEqual(['clock-set', 'console', 'demo-mode', 'power']);
    expect(req.nmsAddresses).toEqual(['vip']);
  });

  test('loadSuites reads directories in name order and refuses duplicate suite names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hil-suites-'));
    try {
      writeFileSync(join(dir, 'b.yaml'), 'suite: b\nbranch: x\ntests: [ { name: t, steps: [ { wait: 1s } ] } ]\n');
      writeFileSync(join(dir, 'a.yml'), 'suite: a\nbranch: x\ntests: [ { name: t, steps: [ { wait: 1s } ] } ]\n');
      writeFileSync(join(dir, 'notes.txt'), 'ignored');
      expect((await loadSuites([dir])).map((s) => s.name)).toEqual(['a', 'b']);
      writeFileSync(join(dir, 'c.yaml'), 'suite: a\nbranch: x\ntests: [ { name: t, steps: [ { wait: 1s } ] } ]\n');
      await expect(loadSuites([dir])).rejects.toThrow(`${join(dir, 'c.yaml')}:1:1: suite 'a' is also defined in ${join(dir, 'a.yml')}`);
      await expect(loadSuites([join(dir, 'missing.yaml')])).rejects.toThrow(`${join(dir, 'missing.yaml')}: cannot read suite file: ENOENT`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
