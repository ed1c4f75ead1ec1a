/**
 * Bad command-line and file input through the built CLI: a clear typed error naming what was wrong
 * and where, the documented exit code, no stack trace, and nothing written where it was not asked.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeRig } from '../../suites/support/rigs.js';
import { ensureBuilt, hil } from './support/cli.js';

jest.setTimeout(60_000);

const tmp = tempDir();
afterAll(() => tmp.cleanup());
beforeAll(() => ensureBuilt(), 180_000);

let rig: string;
let suite: string;
beforeAll(() => {
  rig = writeRig(tmp.dir, 'one', [{}]);
  suite = join(tmp.dir, 'x.yaml');
  writeFileSync(suite, 'suite: x\nbranch: baseline\ntests:\n  - name: a\n    steps:\n      - wait: 1s\n');
});

describe('hil run --reporter', () => {
  test("an empty file after '=' is refused, exit 2, and nothing is written in the working folder's reports/", async () => {
    const cwd = join(tmp.dir, 'cwd');
    mkdirSync(cwd);
    const reports = join(tmp.dir, 'given');
    const r = await hil(['run', '--rig', rig, suite, '--reports', reports, '--reporter', 'junit=,html='], { cwd });
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 2,
      stderr: "hil run: --reporter: 'junit=' names no file after '='; write junit=FILE, or junit alone for junit.xml in the reports folder\n",
    });
    expect(readdirSync(cwd)).toEqual([]);
    expect(existsSync(reports)).toBe(false);
  });

  test('reporters without a file write theirs in the --reports folder it locked, never in ./reports', async () => {
    const cwd = join(tmp.dir, 'cwd2');
    mkdirSync(cwd);
    const reports = join(tmp.dir, 'given2');
    const r = await hil(['run', '--rig', rig, suite, '--reports', reports, '--reporter', 'junit,html,events'], { cwd });
    expect(r.code).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
    expect(readdirSync(reports).sort()).toEqual(['attachments', 'events.jsonl', 'junit.xml', 'report.html', 'rig']);
  });

  test('tap=FOLDER: exit 2 naming --reporter tap=FOLDER, no stack trace', async () => {
    const r = await hil(['run', '--rig', rig, suite, '--reports', join(tmp.dir, 'tap'), '--reporter', `tap=${tmp.dir}`]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: `hil run: --reporter tap=${tmp.dir}: ${tmp.dir} is a folder; name a file\n` });
  });
});

describe('hil history on mangled files', () => {
  test('bad lines and files are skipped and named (file:line), exit 0, no stack trace', async () => {
    const dir = join(tmp.dir, 'history');
    mkdirSync(dir);
    const run = JSON.stringify({ type: 'run', format: 'csmp-hil-history', version: 1, runId: 'r1', rig: 'one', startTime: 1_772_330_400_000, host: 'rack-7' });
    const line = (change: object): string =>
      JSON.stringify({ type: 'test', runId: 'r1', testId: 't', suite: 'x', test: 'a', device: 'meter-1', eui64: '00173bfffe000001', firmwareVersion: '5.6.21', outcome: 'expected', attempts: ['passed'], startTime: 1_772_330_400_000, duration: 5, ...change });
    const file = join(dir, '20260301T020000Z-rack-7-1.jsonl');
    writeFileSync(file, [run, line({}), 'null', line({ attempts: null }), line({ suite: null, test: 5 })].join('\n') + '\n');
    writeFileSync(join(dir, '20260302T020000Z-rack-7-2.jsonl'), `null\n${line({})}\n`);
    mkdirSync(join(dir, 'sub.jsonl'));
    const r = await hil(['history', '--history', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n')).toEqual([
      `hil history: skipped ${join(dir, '20260302T020000Z-rack-7-2.jsonl')}: not a csmp-hil-history file`,
      `hil history: skipped ${join(dir, 'sub.jsonl')}: a folder, not a history file`,
      `hil history: skipped line 3 of ${file}: not a JSON object (found null); what it recorded is left out`,
      `hil history: skipped line 4 of ${file}: attempts: must be a list (found null); what it recorded is left out`,
      `hil history: skipped line 5 of ${file}: suite: must be a string (found null); what it recorded is left out`,
      '',
    ]);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('1 tests over 1 runs: 0 failing now, 0 flaky');
  });
});
