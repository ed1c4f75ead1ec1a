/**
 * `expect-counter` compares with a value this attempt of the test saw: its own earlier read of
 * the TLV, or 0 after a restart the test asked for and saw the device register again after (its
 * counters start there). Without one the step is the suite's error, not a pass on whatever an
 * earlier test or a long uptime left in the counter: test B posts a valid signature and asks that
 * sigBadValidity increase, which test A's expired signature had raised to 1.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caseOf, casesOf, runInProcess, type CaseResult } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
let cases: CaseResult[] = [];

const SUITE = `suite: counters
branch: registration
setup:
  - expect-state: { state: up, within: 5m }
tests:
  - name: A an expired signature
    steps:
      - post: { tlvs: { "55": { type: 1, id: 42 } }, signature: { notBefore: -1h, notAfter: -1s } }
      - expect-reply: 4.01
  - name: B a valid signature, counters not read before
    steps:
      - post: { tlvs: { "55": { type: 1, id: 42 } }, signed: true }
      - expect-reply: 2.01
      - expect-counter: { tlv: 45, field: sigBadValidity, increases: true }
  - name: C unchanged, not read before
    steps:
      - expect-counter: { tlv: 45, field: sigBadAuth, increases: false }
  - name: D a valid signature, counters read before
    steps:
      - get: 45
      - post: { tlvs: { "55": { type: 1, id: 42 } }, signed: true }
      - expect-reply: 2.01
      - expect-counter: { tlv: 45, field: sigOk, increases: true }
      - expect-counter: { tlv: 45, field: sigBadValidity, increases: true }
  - name: E an expired signature, counters read before
    steps:
      - get: 45
      - post: { tlvs: { "55": { type: 1, id: 42 } }, signature: { notBefore: -1h, notAfter: -1s } }
      - expect-reply: 4.01
      - expect-counter: { tlv: 45, field: sigBadValidity, increases: true }
      - expect-counter: { tlv: 45, field: sigOk, increases: false }
  - name: F after a power cycle and the registration that follows it
    steps:
      - power: cycle
      - nms: expect-registration
      - expect-counter: { tlv: 45, field: regAttempts, increases: true }
      - expect-counter: { tlv: 45, field: sigBadValidity, increases: false }
  - name: G after a restart the device was not seen to come back from
    steps:
      - power: off
      - expect-counter: { tlv: 45, field: sigBadValidity, increases: false }
`;

beforeAll(async () => {
  const rig = writeRig(tmp.dir, 'counters', [{}]);
  writeFileSync(join(tmp.dir, 'counters-suite.yaml'), SUITE);
  const r = await runInProcess({ rigFile: rig, suitePaths: [join(tmp.dir, 'counters-suite.yaml')], reportsDir: join(tmp.dir, 'reports') });
  cases = casesOf(r.junit);
  if (cases.length === 0) throw new Error(`no JUnit written: ${r.stderr}`);
}, 120_000);
afterAll(() => tmp.cleanup());

const noBaseline = (step: string, label: string): string =>
  `step ${step}: meter-1: ${label}: nothing to compare with in this test: read TLV 45 (get: 45) before the step that should change it, or restart the device (power: cycle) and wait for its registration (nms: expect-registration), from which its counters count anew`;

describe('expect-counter needs a baseline this test saw', () => {
  test('a counter not read before in the test is the suite\'s error, whatever it holds', () => {
    expect(caseOf(cases, 'meter-1', 'A an expired signature').status).toBe('passed');
    const b = caseOf(cases, 'meter-1', 'B a valid signature, counters not read before');
    expect([b.status, b.message]).toEqual(['error', noBaseline('3 (expect-counter: tlv 45 sigBadValidity increases)', 'tlv 45 sigBadValidity')]);
    const c = caseOf(cases, 'meter-1', 'C unchanged, not read before');
    expect([c.status, c.message]).toEqual(['error', noBaseline('1 (expect-counter: tlv 45 sigBadAuth unchanged)', 'tlv 45 sigBadAuth')]);
  });

  test('against the test\'s own read, a counter the action did not move fails and one it moved passes', () => {
    const d = caseOf(cases, 'meter-1', 'D a valid signature, counters read before');
    expect(d.status).toBe('failed');
    expect(d.message).toBe('step 5 (expect-counter: tlv 45 sigBadValidity increases): tlv 45 sigBadValidity did not increase: 1 → 1');
    expect(caseOf(cases, 'meter-1', 'E an expired signature, counters read before').status).toBe('passed');
  });

  test('0 is the baseline after a restart the test asked for, once the device registered again', () => {
    expect(caseOf(cases, 'meter-1', 'F after a power cycle and the registration that follows it').status).toBe('passed');
    const g = caseOf(cases, 'meter-1', 'G after a restart the device was not seen to come back from');
    expect([g.status, g.message]).toEqual(['error', noBaseline('2 (expect-counter: tlv 45 sigBadValidity unchanged)', 'tlv 45 sigBadValidity')]);
  });
});
