/**
 * A run that cannot start records nothing and loses nothing: the earlier run's files in the reports
 * folder stay exactly as they were (reports-folder.ts sets them aside, and puts them back), whatever
 * fails after the folder is taken — a rig that will not open, a reporter file that cannot be opened,
 * an unexpected throw. A history with bad records is no reason not to start.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { casesOf, runInProcess } from '../../suites/support/run.js';
import { tempDir, writeRig } from '../../suites/support/rigs.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const signals = (): NodeJS.Process => new EventEmitter() as NodeJS.Process;

/** Every entry below `dir` with its type, and a file's content digest: "exactly as it was". */
function snapshot(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const rel = path.slice(base.length + 1);
    const st = lstatSync(path);
    if (st.isDirectory()) out.push(`${rel}/`, ...snapshot(path, base));
    else if (st.isFile()) out.push(`${rel} ${createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 12)} ${st.mtimeMs}`);
    else out.push(`${rel} (${st.isSymbolicLink() ? 'link' : st.isSocket() ? 'socket' : 'other'})`);
  }
  return out;
}

let rig: string;
let suite: string;
/** A reports folder holding a finished earlier run of `suite` on a one-meter virtual rig. */
async function earlierRun(name: string): Promise<string> {
  const reports = join(tmp.dir, name);
  const r = await runInProcess({ rigFile: rig, suitePaths: [suite], reportsDir: reports, signals: signals() });
  expect(r.exitCode).toBe(0);
  return reports;
}
const EARLIER = ['attachments/', 'junit.xml', 'report.html', 'rig/'];

beforeAll(() => {
  rig = writeRig(tmp.dir, 'one', [{}]);
  suite = join(tmp.dir, 'x.yaml');
  writeFileSync(suite, 'suite: x\nbranch: baseline\ntests:\n  - name: a\n    steps:\n      - wait: 1s\n');
});

describe('a run that cannot start leaves the earlier run as it was', () => {
  test('a rig whose serial port does not exist: exit 2, said, and every earlier file is there unchanged', async () => {
    const reports = await earlierRun('no-port');
    const before = snapshot(reports);
    expect(readdirSync(reports).filter((n) => !n.startsWith('.')).map((n) => (lstatSync(join(reports, n)).isDirectory() ? `${n}/` : n))).toEqual(EARLIER);
    const port = join(tmp.dir, 'ttyNOPE0');
    const hardware = writeRig(tmp.dir, 'bench', [{}], (r) => {
      delete r.virtual;
      r.links = [{ name: 'dongle0', kind: 'slip', path: port, baudRate: 115200 }];
      for (const d of r.devices as Record<string, unknown>[]) {
        delete d.console;
        delete d.power;
        d.capabilities = [];
      }
    });
    const r = await runInProcess({ rigFile: hardware, suitePaths: [suite], reportsDir: reports, signals: signals() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')).toEqual([
      `rig bench (${hardware}) · 1 device: meter-1 · 1 suite: x · 1 test`,
      `hil run: cannot open the rig bench: ${port}: cannot open: Error: No such file or directory, cannot open ${port}`,
      `hil run: this run recorded nothing: what an earlier run left in ${reports} is left as it was (attachments/ (2 files), junit.xml, report.html, rig/ (5 files))`,
      '',
    ]);
    expect(snapshot(reports)).toEqual(before);
    expect(casesOf(readFileSync(join(reports, 'junit.xml'), 'utf8')).map((c) => `${c.status} ${c.name}`)).toEqual(['passed a']);
  }, 60_000);

  test('anything thrown once the folder is taken (here a preflight) puts the earlier run back, and the lock is gone', async () => {
    const reports = await earlierRun('thrown');
    const before = snapshot(reports);
    const run = runInProcess({
      rigFile: rig,
      suitePaths: [suite],
      reportsDir: reports,
      signals: signals(),
      preflight: async () => {
        throw new Error('preflight exploded');
      },
    });
    await expect(run).rejects.toThrow('preflight exploded');
    expect(snapshot(reports)).toEqual(before);
    expect(existsSync(join(reports, '.hil.lock'))).toBe(false);
  }, 60_000);

  test('a tap file that is a folder: exit 2 naming --reporter tap=DIR, before anything is touched', async () => {
    const reports = await earlierRun('tap-dir');
    const before = snapshot(reports);
    const folder = join(tmp.dir, 'a-folder');
    mkdirSync(folder);
    const r = await runInProcess({ rigFile: rig, suitePaths: [suite], reportsDir: reports, reporters: `tap=${folder}`, signals: signals() });
    expect([r.exitCode, r.stderr]).toEqual([2, `hil run: --reporter tap=${folder}: ${folder} is a folder; name a file\n`]);
    expect(snapshot(reports)).toEqual(before);
  }, 60_000);
});

describe('a history with bad records', () => {
  test('"attempts": null on a test line: the line is skipped and named, the run goes on and records, exit 0', async () => {
    const reports = await earlierRun('history');
    const history = join(tmp.dir, 'store');
    mkdirSync(history);
    const file = join(history, '20260301T020000Z-rack-7-1.jsonl');
    writeFileSync(
      file,
      [
        { type: 'run', format: 'csmp-hil-history', version: 1, runId: 'r1', rig: 'one', startTime: 1_772_330_400_000, host: 'rack-7' },
        { type: 'test', runId: 'r1', testId: 't', suite: 'x', test: 'a', device: 'meter-1', eui64: '00173bfffe000001', firmwareVersion: '5.6.21', outcome: 'expected', attempts: null, startTime: 1_772_330_400_000, duration: 5 },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n',
    );
    const r = await runInProcess({ rigFile: rig, suitePaths: [suite], reportsDir: reports, report: { historyDir: history }, signals: signals() });
    expect(r.exitCode).toBe(0);
    const said = r.stderr.split('\n').filter((l) => l.startsWith('hil run: '));
    expect(said).toEqual([
      `hil run: history: skipped line 2 of ${file}: attempts: must be a list (found null); the HTML trend leaves out what it recorded`,
      `hil run: cleared what an earlier run left in ${reports}: attachments/ (2 files), junit.xml, report.html, rig/ (5 files)`,
    ]);
    expect(casesOf(r.junit).map((c) => `${c.status} ${c.name}`)).toEqual(['passed a']);
    expect(readdirSync(history)).toHaveLength(2);
  }, 60_000);
});
