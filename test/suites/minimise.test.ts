/**
 * `hil run --minimise` (issue 8 item 2): a crash found in a run is shrunk while the device still
 * crashes the same way — input steps dropped, then TLVs and fields of a post — each try judged by
 * the run's own baseline and judge after a power cycle. Real virtual rig over ptys.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { minimiseReproducers } from '../../harness/app/minimise-reproducers.js';
import type { DeviceSpec, Rig } from '../../harness/config/rig.js';
import { loadSuite } from '../../harness/config/suite.js';
import { runSummaryJson } from '../../harness/cli/run-json.js';
import type { Bench } from '../../harness/steps/bench.js';
import { casesOf, runInProcess, type InProcessRun } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
const TRANSFER = { fileHash: '00'.repeat(32), fileName: 'robustness', version: '0.0.1', fileSize: 1024, blockSize: 1024 };
let rig = '';
let first: InProcessRun;
const reports = (): string => join(tmp.dir, 'reports');
const repro = (): string => join(reports(), 'reproducers');

function writeSuite(): string {
  const file = join(tmp.dir, 'transfer.yaml');
  writeFileSync(
    file,
    stringify({
      suite: 'transfer-extras',
      branch: 'robustness',
      description: 'a TransferRequest without hwInfo among harmless TLVs, after a harmless GET',
      setup: [{ 'expect-state': { state: 'up', within: '5m' } }],
      teardown: [{ power: 'cycle' }, { nms: 'expect-registration' }],
      tests: [
        {
          name: 'survives a transfer among others',
          steps: [
            { get: 58 },
            { post: { tlvs: { '55': { type: 1, id: '${expected.configGroup}' }, '65': TRANSFER, '13': { interval: 60 } }, signed: true } },
            { get: 2 },
            { 'expect-reply': '2.05' },
          ],
        },
      ],
    }),
  );
  return file;
}

beforeAll(async () => {
  rig = writeRig(tmp.dir, 'minimise', [{ faults: ['crashes-without-hwinfo'] }]);
  first = await runInProcess({ rigFile: rig, suitePaths: [writeSuite()], reportsDir: reports(), minimise: {} });
}, 300_000);
afterAll(() => tmp.cleanup());

describe('hil run --minimise', () => {
  test('the run fails as crashed, then the reproducer is shrunk to the one TLV that crashes the meter', async () => {
    expect(casesOf(first.junit).map((c) => [c.device, c.status])).toEqual([['meter-1', 'failed']]);
    expect(readdirSync(repro()).sort()).toEqual(['transfer-extras--survives-a-transfer-among-others--meter-1--min.yaml', 'transfer-extras--survives-a-transfer-among-others--meter-1.yaml']);
    const min = join(repro(), 'transfer-extras--survives-a-transfer-among-others--meter-1--min.yaml');
    const doc = parse(readFileSync(min, 'utf8')) as Record<string, any>;
    expect(doc.tests[0].steps).toEqual([{ post: { tlvs: { '65': {} }, signed: true } }, { get: 2 }, { 'expect-reply': '2.05' }]);
    expect(doc.teardown).toEqual([{ power: 'cycle' }, { nms: 'expect-registration' }]);
    expect(doc.description).toMatch(/Minimised by hil run --minimise from .*--meter-1\.yaml: 2 → 1 input step\(s\), \d+ tries \(one power cycle each\), every accepted candidate judged crashed again, and the result once more to confirm\.$/);
    await expect(loadSuite(min)).resolves.toMatchObject({ branch: 'robustness' });
    expect(first.stderr).toMatch(/minimise: .*--meter-1\.yaml: wrote .*--min\.yaml: 2 → 1 input step\(s\) in \d+ tries\n/);
  });

  test('the run result and --json name the minimised reproducer next to the full one', () => {
    const tries = Number(/--min\.yaml: 2 → 1 input step\(s\) in (\d+) tries/.exec(first.stderr)![1]);
    const full = join(repro(), 'transfer-extras--survives-a-transfer-among-others--meter-1.yaml');
    const min = join(repro(), 'transfer-extras--survives-a-transfer-among-others--meter-1--min.yaml');
    expect(first.minimised).toEqual([{ file: full, minimisedFile: min, tries, steps: { before: 2, after: 1 } }]);
    expect((runSummaryJson(first, reports()) as { minimised: unknown }).minimised).toEqual([{ reproducer: full, minimised: min, tries, inputSteps: { before: 2, after: 1 } }]);
  });

  test('replayed, the minimised suite fails as crashed on the faulty meter and passes on a healthy one', async () => {
    const min = join(repro(), 'transfer-extras--survives-a-transfer-among-others--meter-1--min.yaml');
    const healthy = writeRig(tmp.dir, 'healthy', [{}]);
    const faulty = await runInProcess({ rigFile: rig, suitePaths: [min], reportsDir: join(tmp.dir, 'r1') });
    const ok = await runInProcess({ rigFile: healthy, suitePaths: [min], reportsDir: join(tmp.dir, 'r2') });
    expect([...faulty.junit.matchAll(/<failure message="[^"]*" type="([^"]+)"/g)].map((m) => m[1])).toEqual(['crashed']);
    expect(casesOf(ok.junit).map((c) => [c.device, c.status])).toEqual([['meter-1', 'passed']]);
  }, 240_000);

  test('a device without power control is not minimised, and the run says why', async () => {
    // A virtual meter always has power: the rig-less call, as run-suites makes it for a bench board without.
    const said: string[] = [];
    const device = { name: 'meter-9', eui64: '00173bfffe000009', address: 'fd00:77::109' } as DeviceSpec;
    const out = await minimiseReproducers([{ path: '/r/x.yaml', device, crash: 'crashed' }], { rig: {} as Rig, bench: {} as Bench, run: {}, signal: new AbortController().signal, say: (l) => said.push(l) });
    expect(out).toEqual([]);
    expect(said).toEqual(['minimise: /r/x.yaml not minimised: the rig gives meter-9 no power control, and each try needs a power cycle to bring a crashed board back']);
  });
});
