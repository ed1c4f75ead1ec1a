/**
 * `expect-state: { state: registering, for }` holds only while the device keeps trying: the NMS
 * shows Registering from the last POST /r on, forever, so a device that stopped sending looks the
 * same there as one retrying. Evidence is its attempts (answered, refused, or dropped by the NMS
 * firewall) no further apart than its retry timer allows.
 *
 * meter-1 and meter-4 are healthy: one passes the shipped security test, the other keeps trying
 * behind a firewall that drops its /r. meter-2 (give-up-registration after 1 unanswered attempt) stops behind that
 * firewall; meter-3 (stop-registering-on-bad-signature) rejects the 2.03 signed by another key
 * and sends nothing more. Both used to pass: "is registering and stayed 2m".
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caseOf, casesOf, runInProcess, SUITES, type CaseResult } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
let cases: CaseResult[] = [];

const SUITE = `suite: silence
branch: registration
teardown:
  - registration-response: normal
tests:
  - name: keeps registering behind a firewall
    steps:
      - registration-response: { key: other }
      - power: cycle
      - nms: expect-registration
      - firewall: drop inbound
      - expect-state: { state: registering, within: 1m, for: 3m, otherwise: the meter stopped retrying registration while its requests were lost }
`;
const SHIPPED = 'keeps registering when the 2.03 is signed by another key';

beforeAll(async () => {
  const rig = writeRig(tmp.dir, 'silence', [{}, { faults: ['give-up-registration'], faultOptions: { regAttempts: 1 } } as never, { faults: ['stop-registering-on-bad-signature'] }, {}], (r) => {
    // Device seconds to real ones at 20: a silent meter's 2 m outlasts its 50 s allowance by 3.5 real
    // seconds, more than a busy machine stands still (the harness allows its own stalls on top).
    (r.virtual as { timeScale: number }).timeScale = 20;
  });
  writeFileSync(join(tmp.dir, 'silence-suite.yaml'), SUITE);
  const r = await runInProcess({
    rigFile: rig,
    suitePaths: [join(SUITES, '10-security.yaml'), join(tmp.dir, 'silence-suite.yaml')],
    reportsDir: join(tmp.dir, 'reports'),
    run: { grep: `^(security @ meter-[13] › ${SHIPPED}|silence @ meter-[24] )` },
  });
  cases = casesOf(r.junit);
  if (cases.length === 0) throw new Error(`no JUnit written: ${r.stderr}`);
}, 120_000);
afterAll(() => tmp.cleanup());

/**
 * What a silent device's failure says: how long nothing came, against the virtual rig's 10/20 s
 * trickle (1.5 × 20 s, and a real second at 20× for delivery), when it was last heard trying, and
 * any time the harness itself stood still (allowed on top).
 */
const SILENT =
  /^step (\d) \(expect-state: registering within 1m for (\dm)\): (meter-\d) stayed registering but stopped trying: no POST \/r reached the NMS for (5\ds|\dm\d\ds|\dm) \(its retry timer allows 50s\); last heard trying (as the \dm began|\d+s before the \dm began|\d+s into the \dm)(?:; the harness itself stood still \S+ of it, allowed on top)?$/;

describe('registering held for a while needs the device to keep trying', () => {
  test('the healthy meters pass, also with their registrations dropped by the firewall', () => {
    // Whole cases, so a failure shows what was said.
    expect(caseOf(cases, 'meter-1', SHIPPED)).toEqual({ suite: 'security', device: 'meter-1', name: SHIPPED, status: 'passed' });
    expect(caseOf(cases, 'meter-4', 'keeps registering behind a firewall')).toEqual({ suite: 'silence', device: 'meter-4', name: 'keeps registering behind a firewall', status: 'passed' });
  });

  test('a meter that stops sending after the 2.03 it rejects fails the shipped test, saying when it last tried', () => {
    const c = caseOf(cases, 'meter-3', SHIPPED);
    expect(c.status).toBe('failed');
    expect(SILENT.exec(c.message ?? '')?.slice(1, 4)).toEqual(['4', '2m', 'meter-3']);
    // Its one /r is the one the NMS answered with the wrongly signed 2.03, just before the step.
    expect(c.message).toMatch(/; last heard trying (as the 2m began|[1-9]s before the 2m began)(; the harness .*)?$/);
    expect(c.text).toContain('expected: registering for 2m, a registration attempt at least every 50s: 1.5 × its regIntervalMax 20 s and 20s for delivery');
    expect(c.text).toContain('likely cause: the meter completed registration on a response signed by a key that is not the NMS\'s');
  });

  test('a meter that gives up behind the firewall fails', () => {
    const c = caseOf(cases, 'meter-2', 'keeps registering behind a firewall');
    expect(c.status).toBe('failed');
    expect(SILENT.exec(c.message ?? '')?.slice(1, 4)).toEqual(['5', '3m', 'meter-2']);
    // Its one unanswered /r comes on its trickle after the firewall closed: less than 1.5 × 20 s after the answered one.
    expect(c.message).toMatch(/; last heard trying ([1-9]|[12]\d)s into the 3m(; the harness .*)?$/);
    expect(c.text).toContain('likely cause: the meter stopped retrying registration while its requests were lost');
  });
});
