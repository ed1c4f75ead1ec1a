/**
 * `hil diagnose` on a device found registered to an earlier NMS (issue 15): the rig's session
 * starts as-found, so the device is asked at once instead of waited for until its next report.
 * Real time (timeScale 1) and a 60 s report interval: a diagnosis that waited for a report would
 * take a minute and say `reports: 1`.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { asFound, tempDir, writeRig } from '../../suites/support/rigs.js';
import { ensureBuilt, hil } from './support/cli.js';

const tmp = tempDir('hil-diag-');
afterAll(() => tmp.cleanup());
beforeAll(() => ensureBuilt(), 180_000);

test('an as-found meter in the wrong firmware group: probed at once, diagnosed firmware-group from what it answers', async () => {
  const rig = writeRig(tmp.dir, 'found', [{ initial: { groups: { firmware: 243 } } }], (r) => {
    asFound(r);
    (r['virtual'] as Record<string, unknown>)['timeScale'] = 1;
  });
  const started = Date.now();
  const r = await hil(['diagnose', 'meter-1', '--rig', rig, '--wait', '2m'], { timeoutMs: 60_000 });
  expect(Date.now() - started).toBeLessThan(45_000);
  expect(r.code).toBe(1);
  const lines = r.stdout.split('\n');
  expect(lines[0]).toBe('meter-1 (00173BFFFE000001): firmware-group — running firmware group differs from the expected one (GroupAssign)');
  expect(lines[1]).toBe('cause: Running firmware group on the device is id=243 but must be id=317.');
  expect(lines).toContain('  NMS device state: up (registrations answered: 0, reports: 0)');
  expect(lines).toContain('  GET 58 GroupInfo: 2.05: type 1 id 42, type 2 id 243');
}, 90_000);
