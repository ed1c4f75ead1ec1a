/**
 * The security and robustness suites against a healthy meter and one faulty model per meter:
 * the healthy meter passes every test of both, and each model, run through the whole suite of its
 * class, fails exactly the tests that are about its defect and passes the others.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { caseOf, casesOf, failedOn as failedOnIn, runInProcess, SUITES, type CaseResult } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
let cases: CaseResult[] = [];

const GROUP_MATCH = ['security › compares GroupMatch every time (configuration group)', 'security › compares GroupMatch every time (firmware group)'];
const MODELS: [fault: string, caughtBy: string[]][] = [
  ['sticky-group-match', GROUP_MATCH],
  ['ignore-group-match', GROUP_MATCH],
  ['accept-expired-signature', ['security › refuses a signature that expired 1 s ago', 'security › refuses a captured signed POST replayed after its window']],
  ['accept-future-signature', ['security › refuses a signature that is not yet valid']],
  ['accept-malformed-der', ['security › refuses malformed signature DER and keeps answering']],
  ['accept-replay', ['security › refuses a captured signed POST replayed after its window']],
  ['register-on-wrong-key', ['security › keeps registering when the 2.03 is signed by another key']],
  ['apply-after-signature', ['security › never applies TLVs after the Signature']],
  ['crash-on-description-in-203', ['robustness › survives a DescriptionRequest inside a 2.03']],
  ['crash-on-report-interval-0', ['robustness › survives a 2.03 leaving report interval 0']],
  ['crashes-without-hwinfo', ['robustness › survives a TransferRequest without hwInfo']],
];

beforeAll(async () => {
  const rig = writeRig(tmp.dir, 'attacks', [{}, ...MODELS.map(([fault]) => ({ faults: [fault] }))]);
  const r = await runInProcess({
    rigFile: rig,
    suitePaths: [join(SUITES, '10-security.yaml'), join(SUITES, '11-robustness.yaml')],
    reportsDir: `${tmp.dir}/reports`,
    // The healthy meter runs both suites; each model runs the suite about its class of defect
    // (the robustness suite's power cycles and silent-drop waits are what a run spends its time on).
    run: { grep: '^((security|robustness) @ meter-1 |security @ meter-[2-9] |robustness @ meter-1[0-2] )' },
  });
  cases = casesOf(r.junit);
}, 300_000);
afterAll(() => tmp.cleanup());

const failedOn = (device: string): string[] => failedOnIn(cases, device);
const one = (device: string, name: string): CaseResult => caseOf(cases, device, name);

describe('security and robustness suites: healthy passes, each model is caught where it should be', () => {
  test('the healthy meter ran both suites (12 security, 17 robustness tests), each model the whole suite of its class', () => {
    const count = (device: string, suite: string) => cases.filter((c) => c.device === device && c.suite === suite).length;
    expect([count('meter-1', 'security'), count('meter-1', 'robustness')]).toEqual([12, 17]);
    MODELS.forEach(([, caughtBy], i) => {
      const suite = caughtBy[0]!.split(' › ')[0]!;
      expect([count(`meter-${i + 2}`, suite), count(`meter-${i + 2}`, suite === 'security' ? 'robustness' : 'security')]).toEqual([suite === 'security' ? 12 : 17, 0]);
    });
  });

  test('the healthy meter passes everything, the dangerous inputs included', () => {
    expect(failedOn('meter-1')).toEqual([]);
  });

  test.each(MODELS.map(([fault, caughtBy], i) => [fault, `meter-${i + 2}`, caughtBy] as const))('%s (%s) fails exactly %j', (_fault, device, caughtBy) => {
    expect(failedOn(device)).toEqual([...caughtBy].sort());
  });

  test('the failures say what the firmware did wrong', () => {
    const sticky = one('meter-2', 'compares GroupMatch every time (configuration group)');
    expect(sticky.message).toBe('step 4 (expect-reply: 4.00): CON POST 57+55 signed answered 2.01, expected 4.00');
    expect(sticky.text).toContain('likely cause: the meter applied a request whose GroupMatch names a configuration group it is not in');
    expect(one('meter-5', 'refuses a signature that is not yet valid').message).toBe(
      'step 2 (expect-reply: 4.01): CON POST 55 signed (notBefore +3600s, notAfter +7200s) answered 2.01, expected 4.01',
    );
    expect(one('meter-6', 'refuses malformed signature DER and keeps answering').message).toBe(
      'step 4 (expect-reply: 4.01): CON POST 55 signed (DER trailing-bytes) answered 2.01, expected 4.01',
    );
    expect(one('meter-7', 'refuses a captured signed POST replayed after its window').text).toContain(
      'likely cause: the meter accepted a recorded signed request again after its SignatureValidity window had closed',
    );
    expect(one('meter-8', 'keeps registering when the 2.03 is signed by another key').message).toBe(
      'step 4 (expect-state: registering within 1m for 2m): meter-8 left registering for up (first report after registration) before 2m had passed',
    );
    // The crash models: the after-steps probe classifies them before the teardown's power cycle.
    expect(one('meter-11', 'survives a 2.03 leaving report interval 0').message).toMatch(
      /^the device crashed after this input: radio silent, console still answers \(no answer to GET 22,7,45 within 4 s; console prompt answers\); detected in \d+ ms; the test's own check: step 4 \(get: 2\): GET 2: no answer from meter-11 within 4s/,
    );
    expect(one('meter-10', 'survives a DescriptionRequest inside a 2.03').message).toMatch(/^the device crashed after this input: radio silent, console still answers /);
    expect(one('meter-12', 'survives a TransferRequest without hwInfo').message).toMatch(/^the device crashed after this input: radio silent, console still answers /);
  });
});
