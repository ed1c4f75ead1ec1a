/**
 * A step that fails on a device which rebooted on its own during the test is told as that reboot,
 * not as a flowchart branch guessed from a device half-way through booting (harness/steps/
 * unasked-reboot.ts). The reboot-loop meter resets 40 device s after each boot; the test waits 45 s
 * after its registration and then reads Uptime, so the reset always falls inside the wait (16 s
 * before the read) and the next one 20 s or more after it. A healthy meter beside it passes, and
 * a reboot the harness asked for (the power cycle at the test's start) is never blamed — not even
 * when the meter registers within the Uptime's slack of that boot (meter-3 registers about a device
 * second after power-up), where moving the boot the wrong way by the slack would put the
 * registration before the boot and blame a reboot nobody but the harness caused.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caseOf, casesOf, runInProcess, type CaseResult } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
let cases: CaseResult[] = [];

const SUITE = `suite: watchdog
branch: registration
tests:
  - name: stays up for a minute
    steps:
      - power: cycle
      - expect-state: { state: up, within: 5m }
      - wait: 45s
      - expect: { tlv: 22, field: sysUpTime, gte: 45 }
  - name: fails right after a quick registration
    steps:
      - power: cycle
      - expect-state: { state: up, within: 5m }
      - expect: { tlv: 22, field: sysUpTime, gte: 100000 }
`;

beforeAll(async () => {
  const quick = { regInterval: { min: 1, max: 1 } } as never;
  const rig = writeRig(tmp.dir, 'watchdog', [{}, { faults: ['reboot-loop'], faultOptions: { rebootEvery: 40 } } as never, quick], (r) => {
    // Device seconds to real ones at 20: the margins above are a second of real time or more.
    (r.virtual as { timeScale: number }).timeScale = 20;
  });
  writeFileSync(join(tmp.dir, 'watchdog-suite.yaml'), SUITE);
  const r = await runInProcess({ rigFile: rig, suitePaths: [join(tmp.dir, 'watchdog-suite.yaml')], reportsDir: join(tmp.dir, 'reports') });
  cases = casesOf(r.junit);
  if (cases.length === 0) throw new Error(`no JUnit written: ${r.stderr}`);
}, 120_000);
afterAll(() => tmp.cleanup());

describe('a failure after a reboot nobody asked for', () => {
  test('the healthy meter passes: its power cycle at the start is the harness\'s own', () => {
    expect(caseOf(cases, 'meter-1', 'stays up for a minute').status).toBe('passed');
  });

  test('is told as the reboot, with the Uptime that shows it, and no flowchart branch', () => {
    const c = caseOf(cases, 'meter-2', 'stays up for a minute');
    expect(c.status).toBe('failed');
    expect(c.message).toMatch(
      /^step 4 \(expect: tlv 22 sysUpTime gte 45\): .* — the device rebooted on its own during this test, about (?:\d+(?:\.\d)?s|\d+m(?:\d\ds)?) into the test \(no power cycle, console reboot or load asked for\)$/,
    );
    expect(c.message).not.toContain('flowchart branch');
    expect(c.text).toMatch(/reboot: Uptime \d+ s when read .* into the test, so it booted after its registration completed .* into the test; it registered anew .* into the test/);
    expect(c.text).toContain('likely cause: The device restarted by itself (a watchdog reset, a crash or a brown-out) while the test ran');
  });

  test('a failure right after the power cycle the harness asked for is told as itself, however soon the meter registered', () => {
    for (const device of ['meter-1', 'meter-3']) {
      const c = caseOf(cases, device, 'fails right after a quick registration');
      expect(c.status).toBe('failed');
      expect(c.message).toMatch(/^step 3 \(expect: tlv 22 sysUpTime gte 100000\): tlv 22 sysUpTime is \d+, expected gte 100000$/);
      expect(c.text).not.toContain('reboot: Uptime');
    }
  });
});
