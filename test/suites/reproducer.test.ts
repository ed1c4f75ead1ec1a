/**
 * A crash found by `hil run` leaves a reproducer suite in the reports (issue 8 item 2), on the real
 * pty/SLIP path: one file for exactly each crashing device/test pair, a valid suite, named in the
 * failure text and attached; replayed, it fails on the faulty meter with the same class and passes
 * on a healthy one.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadSuite } from '../../harness/config/suite.js';
import { caseOf, casesOf, runInProcess, SUITES, type CaseResult } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
let rig = '';
let junit = '';
let cases: CaseResult[] = [];
const reports = (): string => join(tmp.dir, 'reports');
const dir = (): string => join(reports(), 'reproducers');
const HWINFO = 'robustness--survives-a-transferrequest-without-hwinfo--meter-2.yaml';
const DESCR = 'robustness--survives-a-descriptionrequest-inside-a-2-03--meter-3.yaml';

beforeAll(async () => {
  rig = writeRig(tmp.dir, 'repro', [{}, { faults: ['crashes-without-hwinfo'] }, { faults: ['crash-on-description-in-203'] }]);
  const r = await runInProcess({ rigFile: rig, suitePaths: [join(SUITES, '11-robustness.yaml')], reportsDir: reports(), run: { grep: 'without hwInfo|DescriptionRequest inside' } });
  junit = r.junit;
  cases = casesOf(junit);
}, 240_000);
afterAll(() => tmp.cleanup());

describe('a run writes a reproducer for each crash it finds', () => {
  test('exactly the crashing device/test pairs fail and get a file', () => {
    expect(cases.map((c) => [c.device, c.name, c.status])).toEqual([
      ['meter-1', 'survives a TransferRequest without hwInfo', 'passed'],
      ['meter-1', 'survives a DescriptionRequest inside a 2.03', 'passed'],
      ['meter-2', 'survives a TransferRequest without hwInfo', 'failed'],
      ['meter-2', 'survives a DescriptionRequest inside a 2.03', 'passed'],
      ['meter-3', 'survives a TransferRequest without hwInfo', 'passed'],
      ['meter-3', 'survives a DescriptionRequest inside a 2.03', 'failed'],
    ]);
    expect(readdirSync(dir()).sort()).toEqual([DESCR, HWINFO]);
  });

  test('the failure text names the file and the JUnit case attaches it', () => {
    const text = caseOf(cases, 'meter-2', 'survives a TransferRequest without hwInfo').text!;
    expect(text).toContain(`\nfix: give the firmware team this input with the test's pcap and console log; once fixed, the same test (hil run --grep) must pass\nreproducer: ${join(dir(), HWINFO)}\nat: `);
    expect(junit).toContain(`${HWINFO}]]`);
  });

  test('the file is a valid suite: setup, the inputs, a liveness GET, a power-cycle teardown', async () => {
    for (const f of [HWINFO, DESCR]) await expect(loadSuite(join(dir(), f))).resolves.toMatchObject({ branch: 'robustness' });
    const doc = parse(readFileSync(join(dir(), DESCR), 'utf8')) as Record<string, any>;
    expect(doc.setup).toEqual([{ 'expect-state': { state: 'up', within: '5m' } }]);
    expect(doc.teardown).toEqual([{ power: 'cycle' }]);
    expect(doc.tests).toEqual([
      {
        name: 'survives the inputs of survives a DescriptionRequest inside a 2.03',
        steps: [{ 'registration-response': { add: { '8': { tlvid: ['22'] } } } }, { power: 'cycle' }, { nms: 'expect-registration' }, { get: 2 }, { 'expect-reply': '2.05' }],
      },
    ]);
    expect(doc.description).toMatch(/^Found by hil run \d{4}-\d\d-\d\dT\S+Z: meter-3 crashed after the inputs of robustness › survives a DescriptionRequest inside a 2\.03\. /);
  });

  test('replayed, it fails on the faulty meter as crashed and passes on the healthy one', async () => {
    const out = join(tmp.dir, 'replay');
    const r = await runInProcess({ rigFile: rig, suitePaths: [join(dir(), HWINFO)], reportsDir: out, run: { device: ['meter-1', 'meter-2'] } });
    const replayed = casesOf(r.junit);
    expect(replayed.map((c) => [c.device, c.status])).toEqual([
      ['meter-1', 'passed'],
      ['meter-2', 'failed'],
    ]);
    expect([...r.junit.matchAll(/<failure message="[^"]*" type="([^"]+)"/g)].map((m) => m[1])).toEqual(['crashed']);
    expect(existsSync(join(out, 'reproducers'))).toBe(true);
  }, 240_000);
});
