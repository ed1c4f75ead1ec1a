/**
 * Firmware steps must not pass on evidence the device did not give. `expect-load: on-time` passes
 * only on a boot inside the load window that the harness did not cause itself, after which the
 * device runs the loaded image; `expect-load: never` only when the device's Uptime shows no boot
 * since the LoadRequest; a TransferRequest that got no answer is not recorded as OK.
 *
 * meter-1 is healthy: in the first test the board is off when the load would fire and switched on
 * at the window's end or after it (the audit saw that boot pass at 4m58s, inside the minute of
 * slack the window had); in the second the harness power-cycles it inside the window, which loses
 * the armed load (it lives in RAM). meter-2 drops every second request it receives, the
 * TransferRequest among them (the requests before it, from the session's start, are the same in
 * every run, and the NMS does not retransmit). meter-3
 * ignores a CancelLoadRequest and gives up registering after three unanswered attempts: with its
 * registrations dropped by the firewall it reboots into the image (1m to 4m after the LoadRequest)
 * and gives up (10 to 70 s after that boot) well inside the 7m wait, so it never registers again.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caseOf, casesOf, runInProcess, type CaseResult } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
let cases: CaseResult[] = [];

const LOAD_SUITE = `suite: load-evidence
branch: firmware-upgrade
setup:
  - expect-state: { state: up, within: 5m }
teardown:
  - restore-firmware: "\${expected.firmwareVersion}"
tests:
  - name: the board is off through the window and switched on after it
    steps:
      - transfer: { image: { version: 6.1.0 } }
      - load: { image: 6.1.0, in: 2m }
      - power: off
      - wait: 280s
      - power: on
      - expect-load: on-time
  - name: the harness power-cycles the board inside the window
    steps:
      - transfer: { image: { version: 6.1.0 } }
      - load: { image: 6.1.0, in: 2m }
      - wait: 90s
      - power: cycle
      - expect-load: on-time
  - name: a cancelled load that fires without the meter registering again
    steps:
      - transfer: { image: { version: 6.2.0 } }
      - load: { image: 6.2.0, in: 2m }
      - cancel-load: 6.2.0
      - firewall: drop inbound
      - wait: 7m
      - firewall: allow
      - expect-load: never
`;

const TRANSFER_SUITE = `suite: transfer-evidence
branch: firmware-upgrade
setup:
  - expect-state: { state: up, within: 5m }
tests:
  - name: TransferRequest answered OK
    steps:
      - transfer: { image: { version: 6.0.1 } }
      - expect-answer: OK
`;

beforeAll(async () => {
  const rig = writeRig(tmp.dir, 'fw-evidence', [
    {},
    { faults: ['drop-every-nth'], faultOptions: { dropEvery: 2 } } as never,
    { faults: ['ignores-cancel-load', 'give-up-registration'] },
  ], (r) => {
    // Device seconds to real ones at 20: meter-3 must get the NMS's 2.03 to its first registrations
    // before its next attempt (10 to 20 device s) on a starved machine, or it gives up at the start.
    (r.virtual as { timeScale: number }).timeScale = 20;
  });
  writeFileSync(join(tmp.dir, 'load.yaml'), LOAD_SUITE);
  writeFileSync(join(tmp.dir, 'transfer.yaml'), TRANSFER_SUITE);
  const r = await runInProcess({
    rigFile: rig,
    suitePaths: [join(tmp.dir, 'load.yaml'), join(tmp.dir, 'transfer.yaml')],
    reportsDir: join(tmp.dir, 'reports'),
    run: { grep: '^(load-evidence @ meter-1 › the|load-evidence @ meter-3 › a cancelled|transfer-evidence @ meter-2)' },
  });
  cases = casesOf(r.junit);
  if (cases.length === 0) throw new Error(`no JUnit written: ${r.stderr}`);
}, 240_000);
afterAll(() => tmp.cleanup());

describe('expect-load: on-time', () => {
  test('fails a boot after the window that the harness caused by switching the board on', () => {
    const c = caseOf(cases, 'meter-1', 'the board is off through the window and switched on after it');
    expect(c.status).toBe('failed');
    expect(c.message).toMatch(
      /^step 6 \(expect-load: on-time\): meter-1 booted \d+m\d*s? after the LoadRequest for 6\.1\.0 when the harness had switched it on or restarted it \(\d+m\d*s? after the LoadRequest\): that boot is the harness's, not the load's$/,
    );
  });

  test('fails a boot inside the window that the harness caused by a power cycle, the load lost', () => {
    const c = caseOf(cases, 'meter-1', 'the harness power-cycles the board inside the window');
    expect(c.status).toBe('failed');
    expect(c.message).toMatch(
      /^step 5 \(expect-load: on-time\): meter-1 booted \d+m\d*s? after the LoadRequest for 6\.1\.0 when the harness had switched it on or restarted it \(\d+m\d*s? after the LoadRequest\): that boot is the harness's, not the load's$/,
    );
  });
});

describe('expect-load: never', () => {
  test('fails a meter that rebooted after the LoadRequest without registering again', () => {
    const c = caseOf(cases, 'meter-3', 'a cancelled load that fires without the meter registering again');
    expect(c.status).toBe('failed');
    expect(c.message).toMatch(
      /^step 7 \(expect-load: never\): meter-3 rebooted \d+m\d*s? after the LoadRequest without registering again \(Uptime \d+ s\), although the load of 6\.2\.0 was cancelled — flowchart branch firmware-info: running firmware \(TLV 75\) differs from the expected version or hwId$/,
    );
  });
});

describe('a TransferRequest without an answer', () => {
  test('is recorded as no answer, so expect-answer: OK fails and says so', () => {
    const c = caseOf(cases, 'meter-2', 'TransferRequest answered OK');
    expect(c.status).toBe('failed');
    expect(c.message).toBe(
      'step 2 (expect-answer: OK): TransferRequest 6.0.1 got no answer, expected OK — device silent: no answer from the device reached the NMS in time; no flowchart branch is guessed from missing answers',
    );
  });
});
