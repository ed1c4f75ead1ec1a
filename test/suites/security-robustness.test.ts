/**
 * The security and robustness suites against a healthy meter and one faulty model per meter:
 * the healthy meter passes every test of both, and each model, run through the whole suite of its
 * class, fails exactly the tests that are about its defect and passes the others. Every crash
 * class the robustness judge tells apart is proven by a model: crashed, rebooted, degraded on the
 * shared rig; hung on a SLIP bench of its own (garbage on a shared serial line reaches every board
 * on it, so on the shared rig the healthy meter's own garbage test would hang it first).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
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
  ['reboot-on-oversized-datagram', ['robustness › survives an oversized datagram']],
  ['reset-stats-on-unknown-tlv', ['robustness › refuses zero-length, unknown and duplicated TLVs']],
  // Caught by the malformed-DER test's s-at-least-n step; ONLY_R (its r-at-least-n step alone) proves the r step catches it too.
  ['signature-values-reduced-mod-n', ['security › refuses malformed signature DER and keeps answering', 'security-r-at-least-n › refuses malformed signature DER and keeps answering']],
  // Both passed the shipped suite before: its notBefore probe was an hour ahead, and the test without SignatureValidity read nothing back.
  ['not-before-leeway', ['security › refuses a signature that is not yet valid']],
  ['applies-post-without-validity', ['security › refuses a signature without SignatureValidity']],
];
const MALFORMED_DER = 'refuses malformed signature DER and keeps answering';
/**
 * The shipped security suite's malformed-DER test with its s-at-least-n step (and that step's
 * expect-reply) taken out, as suite `security-r-at-least-n`: the steps that remain are the
 * shipped ones, so a model that fails it at the r-at-least-n step is caught by that step alone.
 */
function onlyR(dir: string): string {
  const doc = parse(readFileSync(join(SUITES, '10-security.yaml'), 'utf8')) as { suite: string; tests: { name: string; steps: Record<string, any>[] }[] };
  doc.suite = 'security-r-at-least-n';
  const t = doc.tests.find((x) => x.name === MALFORMED_DER)!;
  const at = t.steps.findIndex((st) => st['post']?.signature?.der === 's-at-least-n');
  t.steps.splice(at, 2);
  doc.tests = [t];
  const file = join(dir, 'security-r-at-least-n.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}
/** The class word each crash model's failure starts with ("the device <class> after this input: …"). */
const CRASH_CLASS: Record<string, string> = {
  'crash-on-description-in-203': 'crashed',
  'crash-on-report-interval-0': 'crashed',
  'crashes-without-hwinfo': 'crashed',
  'reboot-on-oversized-datagram': 'rebooted',
  'reset-stats-on-unknown-tlv': 'degraded',
  'hang-on-slip-garbage': 'hung',
};
const GARBAGE = 'robustness › survives garbage between SLIP frames';
/** The SLIP bench's one meter: the hang model. */
let bench: CaseResult[] = [];

beforeAll(async () => {
  const rig = writeRig(tmp.dir, 'attacks', [{}, ...MODELS.map(([fault]) => ({ faults: [fault] }))]);
  mkdirSync(join(tmp.dir, 'slip'));
  const slipBench = writeRig(join(tmp.dir, 'slip'), 'slip-bench', [{ faults: ['hang-on-slip-garbage'] }]);
  // The two rigs share nothing (each its own dongle pty, NMS and run folder): they run side by side.
  const [r, b] = await Promise.all([
    runInProcess({
      rigFile: rig,
      suitePaths: [join(SUITES, '10-security.yaml'), join(SUITES, '11-robustness.yaml'), onlyR(tmp.dir)],
      reportsDir: `${tmp.dir}/reports`,
      // The healthy meter runs both suites; each model runs the suite about its class of defect
      // (the robustness suite's power cycles and silent-drop waits are what a run spends its time on);
      // the r-at-least-n suite runs on the healthy meter and the model it is there for.
      run: { grep: '^((security|robustness) @ meter-1 |security @ meter-([2-9]|1[5-7]) |robustness @ meter-1[0-4] |security-r-at-least-n @ meter-(1|15) )' },
    }),
    runInProcess({ rigFile: slipBench, suitePaths: [join(SUITES, '11-robustness.yaml')], reportsDir: `${tmp.dir}/slip/reports` }),
  ]);
  cases = casesOf(r.junit);
  bench = casesOf(b.junit);
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

  test('hang-on-slip-garbage (alone on its SLIP bench) ran the whole robustness suite and fails exactly the garbage test', () => {
    expect(bench.length).toBe(17);
    expect(failedOnIn(bench, 'meter-1')).toEqual([GARBAGE]);
  });

  test.each(Object.entries(CRASH_CLASS))('%s: the failure starts with the class word "%s"', (fault, cls) => {
    const c =
      fault === 'hang-on-slip-garbage'
        ? caseOf(bench, 'meter-1', GARBAGE.split(' › ')[1]!)
        : one(`meter-${MODELS.findIndex(([f]) => f === fault) + 2}`, MODELS.find(([f]) => f === fault)![1][0]!.split(' › ')[1]!);
    expect(c.message?.startsWith(`the device ${cls} after this input: `)).toBe(true);
  });

  test('each class says its evidence', () => {
    const rebooted = one('meter-13', 'survives an oversized datagram');
    // The test's own GET passes (it answers while registering again): the verdict is the judge's.
    expect(rebooted.message).toMatch(/^the device rebooted after this input: Uptime \d+ s, was \d+ s before the test [\d.]+ s earlier(; SessionID .*)?; detected in \d+ ms$/);
    expect(one('meter-14', 'refuses zero-length, unknown and duplicated TLVs').message).toMatch(
      /^the device degraded after this input: it answers and its uptime is continuous, but CGMSStats went backwards \((\w+ \d+ → 0(, )?)+\); detected in \d+ ms$/,
    );
    expect(caseOf(bench, 'meter-1', GARBAGE.split(' › ')[1]!).message).toMatch(
      /^the device hung after this input: radio silent and console unresponsive \(no answer to GET 22,7,45 within 4 s; .*\); detected in \d+ ms; the test's own check: step 3 \(get: 2\): GET 2: no answer from meter-1 within 4s/,
    );
  });

  test('the failures say what the firmware did wrong', () => {
    const sticky = one('meter-2', 'compares GroupMatch every time (configuration group)');
    expect(sticky.message).toBe('step 4 (expect-reply: 4.00): CON POST 57+55 signed answered 2.01, expected 4.00');
    expect(sticky.text).toContain('likely cause: the meter applied a request whose GroupMatch names a configuration group it is not in');
    expect(one('meter-5', 'refuses a signature that is not yet valid').message).toBe(
      'step 2 (expect-reply: 4.01): CON POST 55 signed (notBefore +600s, notAfter +7200s) answered 2.01, expected 4.01',
    );
    expect(one('meter-16', 'refuses a signature that is not yet valid').message).toBe(
      'step 2 (expect-reply: 4.01): CON POST 55 signed (notBefore +600s, notAfter +7200s) answered 2.01, expected 4.01',
    );
    const applied = one('meter-17', 'refuses a signature without SignatureValidity');
    expect(applied.message).toBe('step 4 (expect: tlv 58 {type: 1} id equals "${expected.configGroup}"): tlv 58 {type=1} id is 43, expected equals 42');
    expect(applied.text).toContain('likely cause: the meter refused a signed POST without SignatureValidity but applied its TLVs first');
    expect(one('meter-6', 'refuses malformed signature DER and keeps answering').message).toBe(
      'step 4 (expect-reply: 4.01): CON POST 55 signed (DER trailing-bytes) answered 2.01, expected 4.01',
    );
    // No range check on r and s: (r, s + n) and, without that step, (r + n, s) are accepted.
    expect(caseOf(cases.filter((c) => c.suite === 'security'), 'meter-15', MALFORMED_DER).message).toBe('step 12 (expect-reply: 4.01): CON POST 55 signed (DER s-at-least-n) answered 2.01, expected 4.01');
    expect(caseOf(cases.filter((c) => c.suite === 'security-r-at-least-n'), 'meter-15', MALFORMED_DER).message).toBe(
      'step 16 (expect-reply: 4.01): CON POST 55 signed (DER r-at-least-n) answered 2.01, expected 4.01',
    );
    expect(caseOf(cases.filter((c) => c.suite === 'security-r-at-least-n'), 'meter-1', MALFORMED_DER).status).toBe('passed');
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
