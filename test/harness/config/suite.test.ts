import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../core/errors.js';
import { loadSuites, parseSuite, requirementsOf } from '../../../harness/config/suite.js';
import { STEP_NAMES } from '../../../harness/config/steps.js';
import { expectConfigRejection, expectErrorLike, thrown } from '../../support/errors.js';

const FILE = 'suites/clock-skew.yaml';

/** The ConfigError a suite text gives, as the fields a test compares. */
function errorOf(text: string): { where: string; code: string; reason: string } {
  const { where, code, reason } = expectErrorLike(thrown(() => parseSuite(text, FILE)), ConfigError, {});
  return { where, code, reason };
}

/** A suite whose test steps are the given lines; steps start on line 6, at column 9 after "      - ". */
function withSteps(...lines: string[]): string {
  return ['suite: clock-skew', 'branch: clock-skew', 'tests:', '  - name: a', '    steps:', ...lines.map((l) => `      - ${l}`), ''].join('\n');
}

describe('suite loader errors name file:line:col and what is wrong', () => {
  test('unknown action', () => {
    expect(errorOf(withSteps('power: cycle', 'wait: 5s', 'powr-cycle: now'))).toEqual({
      where: 'suites/clock-skew.yaml:8:9',
      code: 'schema',
      reason: `step 3: unknown action 'powr-cycle' (expected one of ${STEP_NAMES.join(', ')})`,
    });
  });

  test('value outside an enum points at the value', () => {
    expect(errorOf(withSteps('power: of'))).toMatchObject({ where: 'suites/clock-skew.yaml:6:16', code: 'schema' });
  });

  test('bad duration', () => {
    expect(errorOf(withSteps('wait: 5 s'))).toMatchObject({ where: 'suites/clock-skew.yaml:6:15', code: 'schema' });
  });

  test('a value fitting no form of a step shows the usage', () => {
    expect(errorOf(withSteps('get: abc'))).toEqual({
      where: 'suites/clock-skew.yaml:6:14',
      code: 'schema',
      reason: "step 1: get: expected <tlv> | {tlv, index?} (found 'abc')",
    });
  });

  test('a GET of a TLV id out of range says so where it is written (it read "must be a mapping")', () => {
    expect(errorOf(withSteps('get: 70000'))).toEqual({ where: 'suites/clock-skew.yaml:6:14', code: 'value', reason: 'step 1: get: TLV id 70000 is out of range (1 to 65535)' });
    expect(errorOf(withSteps('get: -5'))).toEqual({ where: 'suites/clock-skew.yaml:6:14', code: 'value', reason: 'step 1: get: TLV id -5 is out of range (1 to 65535)' });
    // The mapping form was right already: its field is named.
    expect(errorOf(withSteps('get: { tlv: 0, index: 1 }'))).toEqual({ where: 'suites/clock-skew.yaml:6:21', code: 'schema', reason: 'step 1: get.tlv: must be >= 1' });
    expect(errorOf(withSteps('get: 1.5'))).toEqual({ where: 'suites/clock-skew.yaml:6:14', code: 'schema', reason: 'step 1: get: expected <tlv> | {tlv, index?} (found 1.5)' });
    expect(() => parseSuite(withSteps('get: 65535', 'get: { tlv: 1, index: 0 }'), FILE)).not.toThrow();
  });

  test('the deepest problem wins inside an object form', () => {
    expect(errorOf(withSteps('get: { tlv: x }'))).toEqual({
      where: 'suites/clock-skew.yaml:6:21',
      code: 'schema',
      reason: "step 1: get.tlv: must be an integer (found 'x')",
    });
  });

  test('expect needs exactly one operator', () => {
    expect(errorOf(withSteps('expect: { tlv: 43, field: NMSCertValid }'))).toMatchObject({ where: 'suites/clock-skew.yaml:6:17', code: 'schema' });
  });

  test('a step with two keys', () => {
    expect(errorOf(withSteps('{ power: on, wait: 5s }'))).toMatchObject({ where: 'suites/clock-skew.yaml:6:9', code: 'schema' });
  });

  test('a bare word is not a step', () => {
    expect(errorOf(withSteps('power-cycle'))).toEqual({
      where: 'suites/clock-skew.yaml:6:9',
      code: 'schema',
      reason: "step 1: a step is a mapping with one key, like 'power: cycle' (found 'power-cycle')",
    });
  });

  test('an unknown property of a step value', () => {
    expect(errorOf(withSteps('expect-event: { name: x, within: 1s, withn: 2s }'))).toMatchObject({ where: 'suites/clock-skew.yaml:6:46', code: 'schema' });
  });

  test('expect-event: atMost with count or spanning is refused (one of the two went unchecked)', () => {
    expect(errorOf(withSteps('expect-event: { name: registrationRequest, within: 1m, atMost: 1, count: 2 }'))).toEqual({
      where: 'suites/clock-skew.yaml:6:82',
      code: 'value',
      reason: 'step 1: expect-event: atMost and count cannot be combined: give one expect-event for each',
    });
    expect(errorOf(withSteps('expect-event: { name: registrationRequest, within: 1m, atMost: 1, spanning: 10s }'))).toMatchObject({
      code: 'value',
      reason: 'step 1: expect-event: atMost and spanning cannot be combined: give one expect-event for each',
    });
  });

  test('invalid regular expression is found after the schema', () => {
    expect(errorOf(withSteps('expect: { tlv: 75, field: v, matches: "(" }'))).toMatchObject({ where: 'suites/clock-skew.yaml:6:47', code: 'value' });
  });

  test('expect: null and integers YAML would round are refused where they are written', () => {
    expect(errorOf(withSteps('expect: { tlv: 75, field: version, equals: null }'))).toEqual({
      where: 'suites/clock-skew.yaml:6:52',
      code: 'value',
      reason: 'step 1: expect: null compares with nothing: write `absent: true` or `present: true` for whether the field is there',
    });
    expect(errorOf(withSteps('expect: { tlv: 45, field: sigOk, gte: 18446744073709551615 }'))).toMatchObject({
      where: 'suites/clock-skew.yaml:6:47',
      code: 'value',
      reason: 'step 1: expect: 18446744073709552000 is beyond 2^53 and YAML reads it rounded: write it in quotes ("...") to compare it exactly',
    });
    expect(errorOf(withSteps('expect: { tlv: 75, row: { index: ~ }, field: version, present: true }'))).toMatchObject({ where: 'suites/clock-skew.yaml:6:42', code: 'value' });
    expect(() => parseSuite(withSteps('expect: { tlv: 45, field: sigOk, equals: "18446744073709551615" }'), FILE)).not.toThrow();
  });

  test('a field the TLV does not have is refused where it is written, with the fields it has', () => {
    expect(errorOf(withSteps('expect: { tlv: 43, field: lastError, absent: true }'))).toEqual({
      where: 'suites/clock-skew.yaml:6:35',
      code: 'value',
      reason: "step 1: expect: TLV 43 CGMSStatus has no field 'lastError' (its fields: registered, NMSAddr, NMSAddrOrigin, lastReg, lastRegReason, nextReg, NMSCertValid)",
    });
    expect(errorOf(withSteps('expect: { tlv: 75, field: hwInfo.hwid, notEquals: unknown }'))).toMatchObject({
      reason: "step 1: expect: TLV 75 FirmwareImageInfo field hwInfo has no field 'hwid' (its fields: hwId, vendorHwId)",
    });
    expect(errorOf(withSteps('expect: { tlv: 75, field: fileSize.low, present: true }'))).toMatchObject({
      reason: "step 1: expect: TLV 75 FirmwareImageInfo field fileSize is a plain value: it has no field 'low'",
    });
    expect(errorOf(withSteps('expect: { tlv: 75, row: { running: true }, field: version, present: true }'))).toMatchObject({ where: 'suites/clock-skew.yaml:6:44', code: 'value' });
    expect(errorOf(withSteps('expect-counter: { tlv: 45, field: sigBadValdity, increases: true }'))).toMatchObject({ where: 'suites/clock-skew.yaml:6:43', code: 'value' });
    // A TLV without a schema here keeps whatever field a suite names (it decodes to bytes).
    expect(() => parseSuite(withSteps('expect: { tlv: 9999, field: anything, absent: true }', 'expect: { tlv: 75, field: hwInfo.hwId, present: true }'), FILE)).not.toThrow();
  });

  test('odd number of hex digits in inject', () => {
    expect(errorOf(withSteps('inject: { hex: "60 0" }'))).toMatchObject({ where: 'suites/clock-skew.yaml:6:24', code: 'value' });
  });

  test('inject: a misspelt option is refused, not ignored', () => {
    expect(errorOf(withSteps('inject: { hex: "40 01 7e 02 b1 63", anwser: "5.00", checksum: good }'))).toEqual({
      where: 'suites/clock-skew.yaml:6:45',
      code: 'schema',
      reason: "step 1: inject: unknown property 'anwser' (expected one of hex, layer, answer, padTo, checksum)",
    });
  });

  test('inject: an answer on a layer where no CoAP answer can be matched is refused', () => {
    expect(errorOf(withSteps('inject: { hex: "de ad be ef c0", layer: slip, answer: "2.05" }'))).toEqual({
      where: 'suites/clock-skew.yaml:6:63',
      code: 'value',
      reason:
        "step 1: inject: answer: cannot be judged on layer slip: the bytes carry no CoAP message whose answer could be matched (answer is judged on layers coap and udp)",
    });
    expect(errorOf(withSteps('inject: { hex: "60 00 00 00", layer: ipv6, checksum: bad }'))).toEqual({
      where: 'suites/clock-skew.yaml:6:62',
      code: 'value',
      reason: 'step 1: inject: checksum: bad applies to layers coap and udp (the harness builds their UDP header); on layer ipv6 the bytes are sent as given',
    });
  });

  test('inject: a layer that is not one of coap, udp, ipv6, slip', () => {
    expect(errorOf(withSteps('inject: { hex: "40 01 12 34", layer: ethernet }'))).toEqual({ where: 'suites/clock-skew.yaml:6:46', code: 'schema', reason: "step 1: inject.layer: 'ethernet' is not one of coap, udp, ipv6, slip" });
  });

  test('setup steps are labelled as such', () => {
    const text = ['suite: s', 'branch: baseline', 'setup:', '  - power: cycle', '  - nms: expect-reg', 'tests:', '  - { name: a, steps: [ { wait: 1s } ] }', ''].join('\n');
    expect(errorOf(text)).toEqual({
      where: 'suites/clock-skew.yaml:5:10',
      code: 'schema',
      reason: "setup step 2: nms: 'expect-reg' is not one of expect-registration, remove-from-inventory, add-to-inventory",
    });
  });

  test('missing top-level property', () => {
    expect(errorOf('suite: s\ntests:\n  - { name: a, steps: [ { wait: 1s } ] }\n')).toMatchObject({ where: 'suites/clock-skew.yaml:1:1', code: 'schema' });
  });

  test('a test without steps is named', () => {
    expect(errorOf('suite: s\nbranch: baseline\ntests:\n  - name: lonely\n    timeout: 5m\n')).toEqual({
      where: 'suites/clock-skew.yaml:4:5',
      code: 'schema',
      reason: "test 'lonely': missing property 'steps'",
    });
  });

  test('a bad test timeout', () => {
    expect(errorOf('suite: s\nbranch: baseline\ntests:\n  - name: t\n    timeout: soon\n    steps: [ { wait: 1s } ]\n')).toMatchObject({ where: 'suites/clock-skew.yaml:5:14', code: 'schema' });
  });

  test('duplicate test names', () => {
    expect(errorOf('suite: s\nbranch: baseline\ntests:\n  - { name: t, steps: [ { wait: 1s } ] }\n  - { name: t, steps: [ { wait: 2s } ] }\n')).toMatchObject({ where: 'suites/clock-skew.yaml:5:13', code: 'conflict' });
  });

  test('YAML syntax errors keep their position', () => {
    expect(errorOf('suite: s\nsuite: t\n')).toMatchObject({ where: 'suites/clock-skew.yaml:2:1', code: 'syntax' });
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
      writeFileSync(join(dir, 'b.yaml'), 'suite: b\nbranch: baseline\ntests: [ { name: t, steps: [ { wait: 1s } ] } ]\n');
      writeFileSync(join(dir, 'a.yml'), 'suite: a\nbranch: baseline\ntests: [ { name: t, steps: [ { wait: 1s } ] } ]\n');
      writeFileSync(join(dir, 'notes.txt'), 'ignored');
      expect((await loadSuites([dir])).map((s) => s.name)).toEqual(['a', 'b']);
      writeFileSync(join(dir, 'c.yaml'), 'suite: a\nbranch: baseline\ntests: [ { name: t, steps: [ { wait: 1s } ] } ]\n');
      await expectConfigRejection(loadSuites([dir]), { where: `${join(dir, 'c.yaml')}:1:1`, code: 'conflict', reason: `suite 'a' is also defined in ${join(dir, 'a.yml')}` });
      await expectConfigRejection(loadSuites([join(dir, 'missing.yaml')]), { where: join(dir, 'missing.yaml'), code: 'file' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('freshRegistration (issue 15): a suite that needs the device registered by this NMS says so', () => {
  const suite = (line: string): string => ['suite: clock-skew', 'branch: clock-skew', line, 'tests:', '  - name: a', '    steps:', '      - power: cycle', ''].join('\n');

  test('true is kept, absent means no', () => {
    expect(parseSuite(suite('freshRegistration: true'), FILE).freshRegistration).toBe(true);
    expect(parseSuite(suite('description: x'), FILE).freshRegistration).toBeUndefined();
  });

  test('a value that is not a boolean is refused where it stands', () => {
    expect(errorOf(suite('freshRegistration: yes please'))).toMatchObject({ where: 'suites/clock-skew.yaml:3:20', code: 'schema' });
  });
});
