/**
 * `hil merge` through the built CLI: which shard sets it refuses, its exit codes, and the reports
 * folder it writes taken and cleared as `hil run` does. The shard logs come from the runner on a
 * fake rig, in process.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockFolder } from '../../../harness/app/reports-lock.js';
import { EventLogReporter } from '../../../harness/report/event-log.js';
import { Run } from '../../../harness/runner/run.js';
import { FakeClock } from '../../support/fake-clock.js';
import { tempDir } from '../../suites/support/rigs.js';
import { FakeExecutor } from '../runner/support/fake-executor.js';
import { fakeRig, suite } from '../runner/support/fixtures.js';
import { ensureBuilt, hil } from './support/cli.js';

jest.setTimeout(60_000);

const tmp = tempDir();
afterAll(() => tmp.cleanup());
beforeAll(() => ensureBuilt(), 180_000);

const rig = fakeRig([{ name: 'meter-1' }, { name: 'meter-2' }]);
const suites = [suite('baseline', 'tests: [ { name: registers, steps: [ { nms: expect-registration } ] }, { name: reads, steps: [ { get: 75 } ] } ]')];

async function shard(name: string, index: number, total: number): Promise<string> {
  const file = join(tmp.dir, name, 'events.jsonl');
  await new Run({ rig, suites, executor: new FakeExecutor(), reporter: new EventLogReporter({ outputFile: file }), options: { shard: { index, total }, clock: new FakeClock(1_700_000_000_000) } }).start();
  return file;
}

let one: string;
let two: string;
beforeAll(async () => {
  one = await shard('s1', 1, 2);
  two = await shard('s2', 2, 2);
});

/** What the merge itself said on stderr (the progress reporter says the rest). */
const said = (r: { stderr: string }): string[] => r.stderr.split('\n').filter((l) => l.startsWith('hil merge: '));
const rootOf = (file: string): string => /<testsuites [^>]*>/.exec(readFileSync(file, 'utf8'))![0];

describe('hil merge: the shard set', () => {
  test('both shards: exit 0, every test once', async () => {
    const out = join(tmp.dir, 'ok');
    const r = await hil(['merge', one, two, '--reports', out]);
    expect(said(r)).toEqual([]);
    expect(r.code).toBe(0);
    expect(rootOf(join(out, 'junit.xml'))).toMatch(/^<testsuites name="fake-rig" tests="4" failures="0" errors="0" /);
  });

  test('a shard given twice: exit 2 naming both files, and the reports folder is left as it was', async () => {
    const out = join(tmp.dir, 'dup');
    mkdirSync(out);
    writeFileSync(join(out, 'junit.xml'), 'earlier');
    const r = await hil(['merge', one, one, '--reports', out]);
    expect(said(r)).toEqual([`hil merge: ${one}: is shard 1/2, and so is ${one}: give each shard's log once`]);
    expect(r.code).toBe(2);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toBe('earlier');
  });

  test('a missing shard: exit 1, said, and the JUnit carries it as an error', async () => {
    const out = join(tmp.dir, 'missing');
    const r = await hil(['merge', one, '--reports', out]);
    expect(said(r)).toEqual(['hil merge: shard 2/2 is missing: no event log was given for it, so its 2 tests are not in this report']);
    expect(r.code).toBe(1);
    // The missing shard as a harness error, and the merged run's own verdict that it is not whole.
    expect(rootOf(join(out, 'junit.xml'))).toMatch(/^<testsuites name="fake-rig" tests="4" failures="0" errors="2" /);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('<error message="the run was interrupted (shard 2/2 missing)" type="interrupted">');
  });

  test('a log with a line broken in its middle: merged with that line skipped and said, exit 4', async () => {
    const broken = join(tmp.dir, 'broken', 'events.jsonl');
    mkdirSync(join(tmp.dir, 'broken'));
    const lines = readFileSync(two, 'utf8').trimEnd().split('\n');
    const at = lines.findIndex((l) => l.includes('"type":"stepEnd"'));
    writeFileSync(broken, `${[...lines.slice(0, at), lines[at]!.slice(0, 25), ...lines.slice(at + 1)].join('\n')}\n`);
    const out = join(tmp.dir, 'lost');
    const r = await hil(['merge', one, broken, '--reports', out]);
    expect(said(r)).toEqual([`hil merge: ${broken}:${at + 1}: not a JSON event; skipped, so this report lacks what that line recorded`]);
    expect(r.code).toBe(4);
    expect(rootOf(join(out, 'junit.xml'))).toMatch(/^<testsuites name="fake-rig" tests="5" failures="0" errors="1" /);
  });
});

describe('hil merge: the reports folder', () => {
  test('held by a run: exit 2 naming the holder, and its files are left alone', async () => {
    const out = join(tmp.dir, 'busy');
    const lock = lockFolder(out, 'hil run (the test)');
    try {
      writeFileSync(join(out, 'junit.xml'), 'the live run');
      const r = await hil(['merge', one, two, '--reports', out]);
      expect(said(r)).toEqual([expect.stringMatching(new RegExp(`^hil merge: reports folder ${out}: in use by pid ${process.pid} on .* \\(.*: hil run \\(the test\\), since .*\\); wait for it to end or use another folder \\(lock ${out}/\\.hil\\.lock\\)$`))]);
      expect(r.code).toBe(2);
      expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toBe('the live run');
    } finally {
      lock.release();
    }
  });

  test("an earlier run's files are cleared and said, and the lock is released", async () => {
    const out = join(tmp.dir, 'earlier');
    mkdirSync(join(out, 'attachments', 'old'), { recursive: true });
    writeFileSync(join(out, 'attachments', 'old', 'x.pcap'), 'old');
    writeFileSync(join(out, 'events.jsonl'), 'old');
    writeFileSync(join(out, 'notes.txt'), 'not ours');
    const r = await hil(['merge', one, two, '--reports', out]);
    expect(said(r)).toEqual([`hil merge: cleared what an earlier run left in ${out}: attachments/ (1 file), events.jsonl`]);
    expect(r.code).toBe(0);
    expect([existsSync(join(out, 'attachments', 'old')), existsSync(join(out, 'events.jsonl')), existsSync(join(out, 'notes.txt')), existsSync(join(out, '.hil.lock'))]).toEqual([false, false, true, false]);
  });

  test('a log inside what would be cleared is refused before anything is touched', async () => {
    const out = join(tmp.dir, 's1');
    const r = await hil(['merge', one, two, '--reports', out]);
    expect(said(r)).toEqual([`hil merge: ${one}: lies in the reports folder ${out}, which the merge clears of an earlier run's files first; merge into another folder`]);
    expect(r.code).toBe(2);
    expect(existsSync(one)).toBe(true);
  });
});

describe('hil merge: shard logs a tool or a disk mangled', () => {
  /** `one` with `change` applied to its parsed lines, in a folder of its own. */
  function mangled(name: string, change: (lines: any[]) => void): string {
    const lines: any[] = readFileSync(one, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    change(lines);
    mkdirSync(join(tmp.dir, name));
    const file = join(tmp.dir, name, 'events.jsonl');
    writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    return file;
  }
  /** A reports folder an earlier run left: its files and their content, to compare after. */
  function earlier(name: string): string {
    const out = join(tmp.dir, name);
    mkdirSync(join(out, 'attachments', 'old'), { recursive: true });
    writeFileSync(join(out, 'attachments', 'old', 'x.pcap'), 'old pcap');
    writeFileSync(join(out, 'junit.xml'), 'earlier junit');
    writeFileSync(join(out, 'report.html'), 'earlier html');
    return out;
  }
  const contents = (out: string): string[] =>
    readdirSync(out, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => `${join(e.parentPath, e.name).slice(out.length + 1)}: ${readFileSync(join(e.parentPath, e.name), 'utf8')}`)
      .sort();
  const AS_IT_WAS = ['attachments/old/x.pcap: old pcap', 'junit.xml: earlier junit', 'report.html: earlier html'];
  const begin = (lines: any[]): any => lines.find((l) => l?.type === 'begin');

  test.each([
    ['a first line null', 'm-null', (l: any[]) => void (l[0] = null), ':1: not a csmp-hil-events log'],
    ['a begin event whose info is null', 'm-info', (l: any[]) => void (begin(l).info = null), ':2: not a valid begin event: info: must be a mapping (found null)'],
    ['info.tests null', 'm-tests', (l: any[]) => void (begin(l).info.tests = null), ':2: not a valid begin event: info.tests: must be a list (found null)'],
    ['info.tests [null]', 'm-test', (l: any[]) => void (begin(l).info.tests = [null]), ':2: not a valid begin event: info.tests[0]: must be a mapping (found null)'],
    ['a test without its device', 'm-device', (l: any[]) => void delete begin(l).info.tests[0].device, ":2: not a valid begin event: info.tests[0]: missing property 'device'"],
  ])('%s: exit 2 naming file, line and field; nothing written, the earlier run as it was', async (_what, name, change, problem) => {
    const log = mangled(name, change);
    const out = earlier(`${name}-out`);
    const r = await hil(['merge', log, two, '--reports', out]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: `hil merge: ${log}${problem}\n` });
    expect(contents(out)).toEqual(AS_IT_WAS);
    expect(readdirSync(out).sort()).toEqual(['attachments', 'junit.xml', 'report.html']);
  });

  test('an event whose fields have the wrong types is skipped and said: exit 4, and the merged run is not complete', async () => {
    let at = 0;
    const log = mangled('m-types', (l) => {
      at = l.findIndex((x) => x.type === 'testEnd');
      l[at].result.steps = 'x';
    });
    const out = join(tmp.dir, 'm-types-out');
    const r = await hil(['merge', log, two, '--reports', out]);
    expect(said(r)).toEqual([
      `hil merge: ${log}:${at + 1}: not a valid testEnd event: result.steps: must be a list (found 'x'); skipped, so this report lacks what that line recorded`,
      `hil merge: ${log} (shard 1/2): no result for 1 test although the shard ran to its end; they are errors here`,
    ]);
    expect(r.code).toBe(4);
    // The 4 tests (the one whose result was skipped is an error) and the 2 harness errors above.
    expect(rootOf(join(out, 'junit.xml'))).toMatch(/^<testsuites name="fake-rig" tests="6" failures="0" errors="3" /);
  });

  test('a report that cannot be written during the merge: said once, exit 4, never passed', async () => {
    const full = join(tmp.dir, 'full');
    mkdirSync(full);
    symlinkSync('/dev/full', join(full, 'events.jsonl'));
    const out = join(tmp.dir, 'm-full-out');
    const r = await hil(['merge', one, two, '--reports', out, '--reporter', `events=${join(full, 'events.jsonl')}`]);
    const file = join(full, 'events.jsonl');
    expect(said(r)).toEqual([
      `hil merge: cannot record results: ${file}: no space left on the device (ENOSPC); the run goes on and will end with exit code 4`,
      `hil merge: results not fully recorded (writes failed: ${file} 19 times): exit code 4`,
    ]);
    expect(r.code).toBe(4);
    expect(r.stderr).not.toContain('    at ');
    // The JUnit file, which could be written, says so too.
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain(`cannot record results: ${file}: no space left on the device (ENOSPC)`);
  });
});
