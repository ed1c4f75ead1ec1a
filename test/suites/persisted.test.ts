/**
 * Issue 15's "two runs in a row": `hil run` twice on the same virtual rig, its boards kept powered
 * between the runs in .hil-state/ beside the rig file, must give the same verdicts, the second run
 * finding every meter registered as the first left it. One healthy meter and two faulty models
 * whose suites fail; the rig starts as-found and its meters registered to an NMS of an earlier
 * run. The firewall suite proves Down detection on meters registered before the run began.
 * Then `hil run --cold` forgets the boards: each meter boots and this run's NMS answers its POST /r.
 * Through the built CLI (real ptys, real UDP).
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, hil, type CliResult } from '../harness/cli/support/cli.js';
import { casesOf } from './support/run.js';
import { asFound, tempDir, writeRig } from './support/rigs.js';

jest.setTimeout(120_000);

const tmp = tempDir('hil-kept-');
afterAll(() => tmp.cleanup());
beforeAll(() => ensureBuilt(), 180_000);

const METERS = ['meter-1', 'meter-2', 'meter-3'];
const SUITES = 'firmware-group,nms-cert,firewall';

/** meter-2 reports NMSCertValid true whatever its certificate; meter-3 ignores GroupAssign. */
const EXPECTED = [
  'firewall › is reported down while blocked and up once open @ meter-1: passed',
  'firewall › is reported down while blocked and up once open @ meter-2: passed',
  'firewall › is reported down while blocked and up once open @ meter-3: passed',
  'firewall › registers once the firewall opens after a reboot behind it @ meter-1: passed',
  'firewall › registers once the firewall opens after a reboot behind it @ meter-2: passed',
  'firewall › registers once the firewall opens after a reboot behind it @ meter-3: passed',
  'firmware-group › a meter in the wrong firmware group is diagnosed @ meter-1: passed',
  'firmware-group › a meter in the wrong firmware group is diagnosed @ meter-2: passed',
  'firmware-group › a meter in the wrong firmware group is diagnosed @ meter-3: failed',
  'firmware-group › ignores a GroupAssign appended after the signature @ meter-1: passed',
  'firmware-group › ignores a GroupAssign appended after the signature @ meter-2: passed',
  'firmware-group › ignores a GroupAssign appended after the signature @ meter-3: passed',
  'firmware-group › re-registers into the expected group after GroupAssign @ meter-1: passed',
  'firmware-group › re-registers into the expected group after GroupAssign @ meter-2: passed',
  'firmware-group › re-registers into the expected group after GroupAssign @ meter-3: failed',
  'nms-cert › refuses signed requests it cannot verify @ meter-1: passed',
  'nms-cert › refuses signed requests it cannot verify @ meter-2: passed',
  'nms-cert › refuses signed requests it cannot verify @ meter-3: passed',
  'nms-cert › reports a damaged NMS certificate as invalid @ meter-1: passed',
  'nms-cert › reports a damaged NMS certificate as invalid @ meter-2: failed',
  'nms-cert › reports a damaged NMS certificate as invalid @ meter-3: passed',
  'nms-cert › works again once the certificate is reinstalled @ meter-1: passed',
  'nms-cert › works again once the certificate is reinstalled @ meter-2: passed',
  'nms-cert › works again once the certificate is reinstalled @ meter-3: passed',
];

const verdicts = (reports: string): string[] =>
  casesOf(readFileSync(join(reports, 'junit.xml'), 'utf8'))
    .map((c) => `${c.suite} › ${c.name} @ ${c.device}: ${c.status}`)
    .sort();

describe('two hil runs in a row on a virtual rig whose boards stay powered', () => {
  const rig = writeRig(tmp.dir, 'kept', [{}, { faults: ['report-cert-valid'] }, { faults: ['ignore-group-assign'] }], asFound);
  const state = join(tmp.dir, '.hil-state', 'kept');
  const runs: CliResult[] = [];

  beforeAll(async () => {
    for (const [i, extra] of [[], [], ['--cold', '--suite', 'nms-cert']].entries()) {
      const suites = extra.length ? [] : ['--suite', SUITES];
      runs.push(await hil(['run', '--rig', rig, '--reports', join(tmp.dir, `run-${i + 1}`), ...suites, ...extra], { timeoutMs: 100_000 }));
    }
  }, 330_000);

  test('the first run keeps each board: the run log says what it keeps and the folder holds it', () => {
    const [first] = runs;
    expect(first!.code).toBe(1);
    expect(first!.stderr).not.toContain('resumed from');
    for (const m of METERS) {
      expect(first!.stderr).toMatch(new RegExp(`virtual rig: kept ${m} in ${join(state, `${m}.json`).replace(/[.]/g, '\\.')}: powered, registered \\(SessionID "[^"]+", report interval 60 s, next report in [0-9]+ s\\)`));
      expect([existsSync(join(state, `${m}.json`)), existsSync(join(state, `${m}.flash`, 'config.xml'))]).toEqual([true, true]);
    }
  });

  test('the second run finds every meter registered as the first left it, and gives the same verdicts case by case', () => {
    const [first, second] = runs;
    expect(second!.code).toBe(1);
    for (const m of METERS) {
      const kept = new RegExp(`virtual rig: kept ${m} in \\S+: (powered, registered \\(SessionID "[^"]+", report interval 60 s, next report in [0-9]+ s\\))`).exec(first!.stderr)?.[1];
      expect(second!.stderr).toContain(`virtual rig: ${m} resumed from ${join(state, `${m}.json`)}: ${kept}`);
      expect(second!.stderr).toContain(`session start as-found: ${m} probed (GET TLV 13): ok, up, report interval 60 s (device)`);
    }
    expect(verdicts(join(tmp.dir, 'run-1'))).toEqual(EXPECTED);
    expect(verdicts(join(tmp.dir, 'run-2'))).toEqual(EXPECTED);
  });

  test('--cold forgets the kept boards: every meter boots, and the NMS answers a fresh POST /r from each', () => {
    const cold = runs[2]!;
    expect(cold.stderr).toContain(`virtual rig: cold start: the boards kept in ${state} are forgotten; every meter boots and registers`);
    expect(cold.stderr).not.toContain('resumed from');
    // nms-cert neither reboots a meter nor makes it register: a meter resumed registered would show none.
    // (More than one when its first 2.03 met the test's damaged certificate and it tried again.)
    for (const m of METERS) expect(cold.stderr).toMatch(new RegExp(`nms: ${m}: up; this run's NMS answered [1-9][0-9]* registration\\(s\\) \\(POST /r\\) of it`));
    expect(verdicts(join(tmp.dir, 'run-3'))).toEqual(EXPECTED.filter((v) => v.startsWith('nms-cert')));
  });
});
