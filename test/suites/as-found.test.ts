/**
 * Issue 15's proof on the virtual rig started as a rack left powered between runs: the meter is
 * registered to an NMS that is gone (virtual.startRegistered) and the rig's session starts
 * as-found. Every flowchart suite (the firewall suite among them: Down within three intervals, Up
 * once open) must pass against a healthy meter. The faulty-model matrix on such a start runs in
 * faulty.test.ts, after the cold one: two matrix runs at once starve each other's timing.
 */
import { afterAll, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { casesOf, runInProcess, SUITES } from './support/run.js';
import { asFound, tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const BRANCHES = ['registration', 'firmware-group', 'firmware-info', 'nms-cert', 'flash-corruption', 'demo-mode', 'clock-skew', 'firewall', 'load-balancer'];

test('on an as-found start every flowchart suite passes against a healthy meter', async () => {
  const rig = writeRig(tmp.dir, 'healthy-as-found', [{}], asFound);
  const r = await runInProcess({ rigFile: rig, suitePaths: BRANCHES.map((b, i) => join(SUITES, `${i + 1}-${b}.yaml`)), reportsDir: `${tmp.dir}/reports-healthy` });
  const healthy = casesOf(r.junit);
  expect(healthy.filter((c) => c.status !== 'passed')).toEqual([]);
  expect(r.exitCode).toBe(0);
  expect([...new Set(healthy.map((c) => c.suite))].sort()).toEqual([...BRANCHES].sort());
  expect(r.stderr).toContain('session start as-found: meter-1 probed (GET TLV 13): ok, up, report interval 60 s (device)');
}, 240_000);
