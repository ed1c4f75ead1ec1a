/**
 * Meters already in a fault state when the run starts (the rig file says so): the baseline
 * registration suite fails and names the flowchart branch, its evidence and the fix, and a
 * diagnosis of the live device (what `hil diagnose` does) lands in the same branch.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { diagnoseLive } from '../../harness/app/diagnose-live.js';
import { withBench } from '../../harness/app/one-shot.js';
import { loadRig } from '../../harness/config/rig.js';
import type { Diagnosis } from '../../harness/nms/diagnosis/result.js';
import { casesOf, runInProcess, SUITES, type CaseResult } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
let rigFile = '';
let cases: CaseResult[] = [];

const BROKEN = [
  { device: 'meter-1', state: { demoMode: true }, branch: 'demo-mode', headline: 'meter left in demo mode; contact the meter vendor', fix: /meter vendor/ },
  { device: 'meter-2', state: { clockSkew: '+2h' }, branch: 'clock-skew', headline: 'device clock skewed', fix: /time synchronized/ },
  { device: 'meter-3', state: { certDamaged: true }, branch: 'nms-cert', headline: 'NMS certificate on the meter is bad or was copied wrongly', fix: /Reload the correct NMS \(FND\) CSMP signing certificate/ },
  { device: 'meter-4', state: { flashCorrupted: true }, branch: 'flash-corruption', headline: 'hardware/flash corruption', fix: /flash repair or replacement/ },
] as const;

beforeAll(async () => {
  rigFile = writeRig(tmp.dir, 'broken', BROKEN.map((b) => ({ initial: { ...b.state } })));
  const r = await runInProcess({ rigFile, suitePaths: [join(SUITES, '1-registration.yaml')], reportsDir: `${tmp.dir}/reports` });
  cases = casesOf(r.junit);
}, 240_000);
afterAll(() => tmp.cleanup());

describe.each(BROKEN)('the registration suite against $device ($branch at start)', ({ device, branch, headline, fix }) => {
  test('fails, naming the branch, its evidence and the fix', () => {
    const failed = cases.filter((c) => c.device === device && c.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    const first = failed[0]!;
    expect(first.message).toMatch(new RegExp(`(flowchart branch|the flowchart ends in) ${branch}: ${headline.replace(/[()]/g, '\\$&')}`));
    expect(first.text).toMatch(/evidence|GET 35 WPANStatus\.SSID/);
    expect(first.text).toMatch(/NMS device state: /);
    expect(first.text).toMatch(fix);
  });
});

describe('a live diagnosis agrees', () => {
  let diagnoses = new Map<string, Diagnosis>();
  beforeAll(async () => {
    const rig = await loadRig(rigFile);
    diagnoses = await withBench(rig, rig.devices.map((d) => d.name), async (b) => {
      const out = new Map<string, Diagnosis>();
      const all = await Promise.all(rig.devices.map((d) => diagnoseLive(b, d, 120_000)));
      rig.devices.forEach((d, i) => out.set(d.name, all[i]!));
      return out;
    });
  }, 120_000);

  test.each(BROKEN)('$device → $branch', ({ device, branch, fix }) => {
    const d = diagnoses.get(device)!;
    expect(d.branch).toBe(branch);
    expect(d.fix).toMatch(fix);
  });

  test('demo mode is read from the meter configuration on its console', () => {
    expect(diagnoses.get('meter-1')!.evidence).toContainEqual({ what: 'console configuration DemoMode_Cfg/DemoModeEnable', seen: 'true' });
  });
});
