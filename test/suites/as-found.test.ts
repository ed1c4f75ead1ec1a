/**
 * Issue 15's proof on the virtual rig started as a rack left powered between runs: every meter is
 * registered to an NMS that is gone (virtual.startRegistered) and the rig's session starts
 * as-found. The faulty-model matrix must catch each model exactly as on a cold start, and every
 * flowchart suite (the firewall suite among them: Down within three intervals, Up once open) must
 * pass against healthy meters.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { casesOf, runInProcess, SUITES, type CaseResult } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';
import { describeFaultyMatrix, FAULTY_GREP, FAULTY_METERS } from './support/faulty-matrix.js';

const tmp = tempDir();
let cases: CaseResult[] = [];
let exitCode = -1;
let stderr = '';

const asFound = (rig: Record<string, any>): void => {
  rig.session = { start: 'as-found' };
  rig.virtual.startRegistered = { reportInterval: 60 };
};

beforeAll(async () => {
  const r = await runInProcess({ rigFile: writeRig(tmp.dir, 'faulty-as-found', FAULTY_METERS, asFound), suitePaths: [SUITES], reportsDir: `${tmp.dir}/reports`, run: { grep: FAULTY_GREP } });
  cases = casesOf(r.junit);
  exitCode = r.exitCode;
  stderr = r.stderr;
}, 300_000);
afterAll(() => tmp.cleanup());

test('each meter was found registered and probed before the first test', () => {
  const starts = stderr.split('\n').filter((l) => l.startsWith('hil run: session start'));
  expect(starts.length).toBe(FAULTY_METERS.length);
  for (const l of starts) {
    const meter = /meter-\d+/.exec(l)![0];
    // reply-to-nms-address answers to the NMS's CSMP port, reply-from-wrong-address from its
    // link-local address: neither answer is the GET's, the probe goes unanswered and the meter is
    // left for its tests to judge (up once a report arrives).
    if (meter === 'meter-6' || meter === 'meter-11') {
      const address = meter === 'meter-6' ? '106' : '10b';
      expect(l).toMatch(new RegExp(`^hil run: session start as-found: ${meter} probed \\(GET TLV 13\\): not ok \\(CON GET /c\\?q=13 \\(MID \\d+\\) to \\[fd00:77::${address}\\]:61628: no answer within 30000 ms\\), (unheard|up)$`));
      continue;
    }
    // malformed-tlvs answers a TLV 13 that does not decode: the NMS keeps the interval it would subscribe.
    const source = meter === 'meter-13' ? 'nms-setting' : 'device';
    expect(l).toBe(`hil run: session start as-found: ${meter} probed (GET TLV 13): ok, up, report interval 60 s (${source})`);
  }
});

describeFaultyMatrix('on an as-found start, each suite fails against its faulty model as on a cold one', () => ({ cases, exitCode }), { asFound: true });

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
