/**
 * Every flowchart suite against healthy virtual meters: each sets its fault up itself (console,
 * power, the NMS side), the meter behaves as the protocol requires and recovers → all pass.
 */
import { afterAll, expect, test } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { casesOf, runInProcess, SUITES } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const BRANCHES = ['registration', 'firmware-group', 'firmware-info', 'nms-cert', 'flash-corruption', 'demo-mode', 'clock-skew', 'firewall', 'load-balancer'];
/** Certification suites that are no flowchart branch, numbered after the branches. */
const FLOWCHART = BRANCHES.map((b, i) => `${i + 1}-${b}.yaml`);
const CERTIFICATION = ['10-security.yaml', '11-robustness.yaml', '12-firmware-upgrade.yaml'];

test('the first nine suites are the nine branches, in flowchart order; then the certification suites', () => {
  const files = readdirSync(SUITES).filter((f) => f.endsWith('.yaml'));
  expect(files.filter((f) => Number(f.split('-')[0]) <= 9).sort((a, b) => parseInt(a) - parseInt(b))).toEqual(BRANCHES.map((b, i) => `${i + 1}-${b}.yaml`));
  expect(files.filter((f) => Number(f.split('-')[0]) > 9)).toEqual(CERTIFICATION);
});

test('every suite passes against healthy meters', async () => {
  const rig = writeRig(tmp.dir, 'healthy', [{}, {}]);
  // security-robustness.test.ts runs the attack suites against healthy and faulty meters.
  const r = await runInProcess({ rigFile: rig, suitePaths: [...FLOWCHART, '12-firmware-upgrade.yaml'].map((f) => join(SUITES, f)), reportsDir: `${tmp.dir}/reports` });
  const cases = casesOf(r.junit);
  const bad = cases.filter((c) => c.status !== 'passed');
  expect(bad).toEqual([]);
  expect(r.exitCode).toBe(0);
  expect(r.summary!.counts).toMatchObject({ failed: 0, error: 0, skipped: 0 });
  // One testsuite per suite per device, named after the branch.
  const suites = [...new Set(cases.map((c) => `${c.suite} @ ${c.device}`))];
  expect(suites.sort()).toEqual([...BRANCHES, 'firmware-upgrade'].flatMap((b) => [`${b} @ meter-1`, `${b} @ meter-2`]).sort());
  expect(cases.length).toBe(2 * 32);
}, 240_000);
