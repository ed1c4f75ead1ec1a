/**
 * A meter moved into the wrong firmware group that drops one request of the flowchart walk: the
 * GETs after the lost one are not sent, so the group, clock and firmware checks go unanswered.
 * `expect-diagnosis: healthy` must fail saying which checks were left open, never pass on what the
 * meter's registration said before the move.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { casesOf, runInProcess, type CaseResult } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
let cases: CaseResult[] = [];
let exitCode = -1;

const SUITE = `suite: wrong-group
branch: firmware-group
setup:
  - expect-state: { state: up, within: 5m }
teardown:
  - post: { tlvs: { "55": { type: 2, id: "\${expected.firmwareGroup}" } }, signed: true }
tests:
  - name: moved into group 243, diagnosed
    steps:
      - post: { tlvs: { "55": { type: 2, id: 243 } }, signed: true }
      - expect-diagnosis: healthy
`;

/**
 * The walk asks GET 35, 43, 18, 45, 58, 75 in that order; before it the meter has had the run's
 * health check and the test's POST. Each meter drops the Nth request it receives.
 */
const FIRST_LOST = ['GET 43 CGMSStatus', 'GET 18 CurrentTime', 'GET 45 CGMSStats', 'GET 58 GroupInfo'];
const LOOKS = ['GET 43 CGMSStatus', 'GET 18 CurrentTime', 'GET 45 CGMSStats', 'GET 58 GroupInfo', 'GET 75 FirmwareImageInfo'];

beforeAll(async () => {
  const rig = writeRig(
    tmp.dir,
    'lossy',
    FIRST_LOST.map((_, i) => ({ faults: ['drop-every-nth'], faultOptions: { dropEvery: 4 + i } })),
  );
  writeFileSync(join(tmp.dir, 'wrong-group.yaml'), SUITE);
  const r = await runInProcess({ rigFile: rig, suitePaths: [join(tmp.dir, 'wrong-group.yaml')], reportsDir: join(tmp.dir, 'reports') });
  cases = casesOf(r.junit);
  exitCode = r.exitCode;
}, 120_000);
afterAll(() => tmp.cleanup());

describe('expect-diagnosis: healthy on a meter in the wrong group that drops a GET of the walk', () => {
  test.each(FIRST_LOST.map((lost, i) => [`meter-${i + 1}`, lost, i] as const))('%s (first lost: %s) fails as inconclusive, naming the checks left open', (device, lost, i) => {
    const c = cases.find((x) => x.device === device)!;
    expect(c.status).toBe('failed');
    expect(c.message).toBe(
      'step 2 (expect-diagnosis: healthy): the flowchart ends in inconclusive: not every check was answered: no fault found in what was, and the device is not called healthy on checks left open — expected healthy',
    );
    const open = LOOKS.slice(i).map((what, j) => `${what}: ${j === 0 ? `no answer to GET ${lost.split(' ')[1]} within \\d+ ms` : `not asked \\(no answer to GET ${lost.split(' ')[1]} within \\d+ ms\\)`}`);
    expect(c.text).toMatch(new RegExp(`^likely cause: The device is up, but not every check of the flowchart was answered: ${open.join('; ')}\\. No branch matched what was answered, and a check left unanswered clears nothing\\.$`, 'm'));
  });

  test('the run fails (exit 1)', () => {
    expect(exitCode).toBe(1);
  });
});
