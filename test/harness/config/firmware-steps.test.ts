/** The firmware steps of the vocabulary: their short forms, defaults, and the response names they accept. */
import { ConfigError } from '../../../core/errors.js';
import { FIRMWARE_RESPONSE_NAMES } from '../../../harness/config/firmware-steps.js';
import { parseSuite } from '../../../harness/config/suite.js';
import { FIRMWARE_RESPONSE } from '../../../harness/csmp/firmware-response.js';

const FILE = 'suites/x.yaml';
const stepsOf = (lines: string[]) =>
  parseSuite(['suite: x', 'branch: firmware-upgrade', 'tests:', '  - name: t', '    steps:', ...lines.map((l) => `      - ${l}`)].join('\n'), FILE).tests[0]!.steps;

test('the response names a suite may expect are the codec’s, in code order', () => {
  expect([...FIRMWARE_RESPONSE_NAMES]).toEqual(Object.keys(FIRMWARE_RESPONSE));
  expect(FIRMWARE_RESPONSE_NAMES.map((n) => FIRMWARE_RESPONSE[n])).toEqual([...Array(14).keys()]);
});

test('short and long forms normalise to the same parameters, with the defaults filled in', () => {
  const steps = stepsOf([
    'transfer: { image: { version: 6.0.3 }, cutPowerAfterBlock: 3 }',
    'transfer: { image: { version: 7.0.0, hwId: OTHER/1.0, size: 4096, seed: 9, boots: false }, corruptBlock: 2, announceWrongHash: true }',
    'load: 6.1.0',
    'load: { image: "${expected.firmwareVersion}", in: 90s }',
    'cancel-load: 6.2.0',
    'set-backup: { image: 6.2.0 }',
    'restore-firmware: "${expected.firmwareVersion}"',
    'expect-answer: SIGNATURE_FAILED',
    'expect-answer: { response: INCOMPATIBLE_HW, otherwise: takes foreign images }',
    'expect-transfer: { resumed: true }',
    'expect-load: on-time',
    'expect-load: { fires: never, otherwise: cancel ignored }',
    'expect-slot: { image: 6.1.0, running: true, backup: false, complete: true, slot: running-before-load }',
  ]);
  expect(steps.map((s) => [s.name, s.params, s.text])).toEqual([
    ['transfer', { image: { version: '6.0.3' }, cutPowerAfterBlock: 3 }, 'transfer: 6.0.3, power cut after block 3'],
    [
      'transfer',
      { image: { version: '7.0.0', hwId: 'OTHER/1.0', size: 4096, seed: 9, boots: false }, corruptBlock: 2, announceWrongHash: true },
      'transfer: 7.0.0 for OTHER/1.0 (does not boot), block 2 corrupted, wrong hash announced',
    ],
    ['load', { image: '6.1.0', inMs: 120_000 }, 'load: 6.1.0 in 2m'],
    ['load', { image: '${expected.firmwareVersion}', inMs: 90_000 }, 'load: ${expected.firmwareVersion} in 1m30s'],
    ['cancel-load', { image: '6.2.0' }, 'cancel-load: 6.2.0'],
    ['set-backup', { image: '6.2.0' }, 'set-backup: 6.2.0'],
    ['restore-firmware', { image: '${expected.firmwareVersion}' }, 'restore-firmware: ${expected.firmwareVersion}'],
    ['expect-answer', { response: 'SIGNATURE_FAILED' }, 'expect-answer: SIGNATURE_FAILED'],
    ['expect-answer', { response: 'INCOMPATIBLE_HW', otherwise: 'takes foreign images' }, 'expect-answer: INCOMPATIBLE_HW'],
    ['expect-transfer', { resumed: true }, 'expect-transfer: resumed'],
    ['expect-load', { fires: 'on-time' }, 'expect-load: on-time'],
    ['expect-load', { fires: 'never', otherwise: 'cancel ignored' }, 'expect-load: never'],
    ['expect-slot', { image: '6.1.0', running: true, backup: false, complete: true, slot: 'running-before-load' }, 'expect-slot: 6.1.0 running not backup complete in slot running-before-load'],
  ]);
});

test.each([
  ['expect-answer: SIGNATURE_FAIL', 'expect-answer'],
  ['transfer: { image: { version: "6.1" } }', 'transfer'],
  ['expect-load: later', 'expect-load'],
  ['expect-slot: { image: 6.1.0, slot: old }', 'expect-slot'],
])('%s is refused where it is written', (line) => {
  expect(() => stepsOf([line])).toThrow(ConfigError);
  try {
    stepsOf([line]);
  } catch (e) {
    expect((e as ConfigError).where).toMatch(/^suites\/x\.yaml:6:\d+$/);
  }
});
