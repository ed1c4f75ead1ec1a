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

const FLOWCHART = BRANCHES.map((b, i) => `${i + 1}-${b}.yaml`);

test('the nine flowchart suites are the nine branches, in flowchart order (security and robustness follow)', () => {
  expect(readdirSync(SUITES).filter((f) => /^[1-9]-.*\.yaml$/.test(f))).toEqual(FLOWCHART);
  expect(readdirSync(SUITES)).toEqual(expect.arrayContaining(['10-security.yaml', '11-robustness.yaml']));
});

test('every suite passes against healthy meters', async () => {
  const rig = writeRig(tmp.dir, 'healthy', [{}, {}]);
  // security-robustness.test.ts runs the attack suites against healthy and faulty meters.
  const r = await runInProcess({ rigFile: rig, suitePaths: FLOWCHART.map((f) => join(SUITES, f)), reportsDir: `${tmp.dir}/reports` });
  const cases = casesOf(r.junit);
  const bad = cases.filter((c) => c.status !== 'passed');
  expect(bad).toEqual([]);
  expect(r.exitCode).toBe(0);
  expect(r.summary!.counts).toMatchObject({ failed: 0, error: 0, skipped: 0 });
  // One testsuite per suite per device, named after the branch.
  const suites = [...new Set(cases.map((c) => `${c.suite} @ ${c.device}`))];
  expect(suites.sort()).toEqual(BRANCHES.flatMap((b) => [`${b} @ meter-1`, `${b} @ meter-2`]).sort());
  expect(cases.length).toBe(2 * 22);
}, 240_000);
