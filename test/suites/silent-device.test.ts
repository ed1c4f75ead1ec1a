/**
 * A meter that goes dark mid-run without the harness knowing (its board switched off behind the
 * harness's back, and a relay that cannot bring it back): the test it dies in fails on one step
 * timeout with a "device silent" verdict and no flowchart branch guessed; its remaining tests end
 * at once as rig faults naming where it was lost and the evidence; the other meters pass.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Reporter } from '../../harness/model/reporter.js';
import { casesOf, runInProcess, type CaseResult } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
let cases: CaseResult[] = [];
let exitCode = -1;
let junit = '';
let lostAtMs = 0;
let endedAtMs = 0;

const SUITE = `suite: liveness
branch: registration
tests:
  - name: answers a GET
    steps:
      - expect-state: { state: up, within: 5m }
      - get: 2
  - name: reads its clock
    steps:
      - get: 18
  - name: reads its status
    steps:
      - get: 43
  - name: reads its stats
    steps:
      - get: 45
`;

/** The board's own power switch, as the relay socket the virtual rig gives it: the harness is not told. */
function switchOff(socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath, () => s.write('off\n'));
    s.on('data', () => {
      s.end();
      resolve();
    });
    s.on('error', reject);
  });
}

beforeAll(async () => {
  const rig = writeRig(tmp.dir, 'silent', [{}, {}, {}], (r) => {
    // meter-2's relay does nothing: the harness's power cycle cannot revive it.
    (r.devices as { power: unknown }[])[1]!.power = { on: 'true', off: 'true' };
  });
  writeFileSync(join(tmp.dir, 'liveness.yaml'), SUITE);
  const reportsDir = join(tmp.dir, 'reports');
  const saboteur: Reporter = {
    onTestBegin(tc) {
      if (tc.device.name === 'meter-2' && tc.name === 'reads its clock') {
        lostAtMs = Date.now();
        void switchOff(join(reportsDir, 'rig', 'meters', 'meter-2', 'power.sock'));
      }
    },
    onTestEnd(tc) {
      if (tc.device.name === 'meter-2' && tc.name === 'reads its stats') endedAtMs = Date.now();
    },
  };
  const r = await runInProcess({ rigFile: rig, suitePaths: [join(tmp.dir, 'liveness.yaml')], reportsDir, extraReporters: [saboteur] });
  cases = casesOf(r.junit);
  exitCode = r.exitCode;
  junit = r.junit;
}, 120_000);
afterAll(() => tmp.cleanup());

const on = (device: string, name: string): CaseResult => cases.find((c) => c.device === device && c.name === name)!;

describe('a meter that goes silent mid-run', () => {
  test('the test it dies in fails on its first unanswered GET, saying silent, with no flowchart branch', () => {
    const c = on('meter-2', 'reads its clock');
    expect(c.status).toBe('failed');
    expect(c.message).toBe('step 1 (get: 18): GET 18: no answer from meter-2 within 4s — device silent: no answer from the device reached the NMS in time; no flowchart branch is guessed from missing answers');
    expect(c.text).toContain('GET 35 WPANStatus.SSID: no answer to GET 35 within');
    expect(c.text).toContain('likely cause: silent: The device answered nothing in time: GET 35 (WPANStatus) went unanswered');
    expect(c.text).not.toMatch(/GET (18|45|58|75) /);
  });

  test('its remaining tests end at once as rig faults naming where it was lost and the evidence', () => {
    for (const name of ['reads its status', 'reads its stats']) {
      const c = on('meter-2', name);
      expect(c.status).toBe('error');
      expect(c.message).toMatch(
        /^device lost since liveness › reads its clock: silent: no answer to GET 2 \(DeviceID\) within 4 s; no frame from fd00:77::102 on the link meanwhile; console prompt does not answer \(console meter-2: '' got no prompt "meter-00173bfffe000002> " within 2000 ms; the board sent nothing\); power-cycled once: still silent \(no answer to GET 2 \(DeviceID\) within 4 s\)$/,
      );
    }
  });

  test('JUnit gives the lost tests an <error> of their own type', () => {
    expect(junit.match(/<error message="device lost since[^"]*" type="rig-fault"/g)).toHaveLength(2);
  });

  test('the whole loss costs at most one step timeout plus the probe and boot wait, not a timeout per test', () => {
    // 4 s GET + flowchart's first GET (3 s) + probe 4 s + console + cycle + boot wait (2 min at scale 60 = 2 s) + last probe 4 s.
    expect(endedAtMs - lostAtMs).toBeLessThan(25_000);
  });

  test('the other meters pass every test; the run fails as a firmware failure (exit 1), not rig-fault-only', () => {
    for (const d of ['meter-1', 'meter-3']) expect(cases.filter((c) => c.device === d).map((c) => c.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
    expect(exitCode).toBe(1);
  });
});
