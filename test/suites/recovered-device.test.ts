/**
 * A meter found silent before its first test (its board off when the run starts, as a board that
 * hung between runs would be) is power-cycled by the health check and its tests run on the
 * rebooted device: they may pass, but the report says the device was brought back first — a
 * run note, and the head of the system-out of its first test in JUnit.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunNote } from '../../harness/model/run-model.js';
import { validateJUnit, xpath } from '../harness/report/support/xmllint.js';
import { casesOf, runInProcess, type CaseResult } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
let cases: CaseResult[] = [];
let notes: RunNote[] = [];
let junitFile = '';

const SUITE = `suite: recovered
branch: registration
tests:
  - name: answers a GET
    steps:
      - get: 2
  - name: reads its status
    steps:
      - get: 43
`;

beforeAll(async () => {
  const rig = writeRig(tmp.dir, 'recovered', [{}, { initial: { poweredOn: false } }]);
  writeFileSync(join(tmp.dir, 'recovered-suite.yaml'), SUITE);
  const r = await runInProcess({
    rigFile: rig,
    suitePaths: [join(tmp.dir, 'recovered-suite.yaml')],
    reportsDir: join(tmp.dir, 'reports'),
    extraReporters: [{ onNote: (n) => void notes.push(n) }],
  });
  cases = casesOf(r.junit);
  junitFile = r.junitFile;
}, 120_000);
afterAll(() => tmp.cleanup());

const RECOVERED =
  /^meter-2 was silent before its first test; the health check power-cycled it, and its tests ran after that reboot: silent: no answer to GET 2 \(DeviceID\) within 4 s; no frame from fd00:77::102 on the link meanwhile; console prompt does not answer \(.*\); power-cycled once: answers again after \d+ ms$/;

describe('a device the health check had to power-cycle', () => {
  test('its tests run and pass on the rebooted device, like the healthy one beside it', () => {
    for (const d of ['meter-1', 'meter-2']) expect(cases.filter((c) => c.device === d).map((c) => [c.name, c.status])).toEqual([['answers a GET', 'passed'], ['reads its status', 'passed']]);
  });

  test('the run notes it, for that device only', () => {
    const recovered = notes.filter((n) => n.kind === 'device-recovered');
    expect(recovered.map((n) => n.device)).toEqual(['meter-2']);
    expect(recovered[0]!.message).toMatch(RECOVERED);
  });

  test('JUnit heads the system-out of its first test with the note, and no other test carries it', async () => {
    const out = (device: string, name: string): Promise<string> => xpath(junitFile, `string(//testsuite[@name="recovered @ ${device}"]/testcase[@name="${name}"]/system-out)`);
    const [line, blank] = (await out('meter-2', 'answers a GET')).split('\n');
    expect(line).toMatch(new RegExp(`^note \\(device-recovered\\): ${RECOVERED.source.slice(1)}`));
    expect(blank).toBe('');
    for (const [d, n] of [['meter-2', 'reads its status'], ['meter-1', 'answers a GET'], ['meter-1', 'reads its status']] as const) expect(await out(d, n)).not.toContain('device-recovered');
    expect(await validateJUnit(junitFile)).toEqual({ exitCode: 0, stderr: `${junitFile} validates` });
  });
});
