import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { EventLogReporter } from '../../../harness/report/event-log.js';
import { JUnitReporter } from '../../../harness/report/junit.js';
import { mergeEventLogs, replayEvents } from '../../../harness/report/merge.js';
import { Multiplexer } from '../../../harness/model/multiplexer.js';
import { Run } from '../../../harness/runner/run.js';
import { FakeExecutor } from '../runner/support/fake-executor.js';
import { fakeRig, suite } from '../runner/support/fixtures.js';
import { FakeClock } from '../../support/fake-clock.js';
import { expectConfigError, thrown } from '../../support/errors.js';
import { RecordingReporter } from '../runner/support/recording-reporter.js';
import { validateJUnit, xpath } from './support/xmllint.js';
import { casesOf } from '../../suites/support/run.js';
import { fullDisk } from '../../support/full-disk.js';
import type { Reporter } from '../../../harness/model/reporter.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hil-merge-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rig = fakeRig([{ name: 'meter-1' }, { name: 'meter-2' }, { name: 'meter-3', capabilities: ['console'] }]);
const suites = [
  suite('baseline', 'tests: [ { name: registers, steps: [ { nms: expect-registration } ] }, { name: reads, steps: [ { get: 75 } ] } ]'),
  suite('power', 'tests: [ { name: cycles, steps: [ { power: cycle } ] } ]'),
];
const executor = (): FakeExecutor => new FakeExecutor().when('get: 75', async (_s, ctx) => (ctx.device.name === 'meter-2' ? { status: 'failed', message: 'wrong version' } : { status: 'passed' }));

async function shard(index: number, total: number, of = suites, name = `shard-${index}.jsonl`): Promise<string> {
  const file = join(dir, name);
  await new Run({ rig, suites: of, executor: executor(), reporter: new EventLogReporter({ outputFile: file }), options: { shard: { index, total }, clock: new FakeClock(1_700_000_000_000) } }).start();
  return file;
}

/** The merged events replayed into a recorder and a JUnit file; the warnings the merge gave. */
async function merge(files: string[]): Promise<{ recorder: RecordingReporter; warnings: string[]; junit: string }> {
  const warnings: string[] = [];
  const events = mergeEventLogs(files, { onWarning: (line, kind) => void warnings.push(`${kind}: ${line}`) });
  const recorder = new RecordingReporter();
  const junit = join(dir, 'merged.xml');
  await replayEvents(events, new Multiplexer([new JUnitReporter({ outputFile: junit }), recorder]));
  return { recorder, warnings, junit };
}

const finalsOf = (r: RecordingReporter): string[] => r.results.filter((x) => !x.result.willRetry).map((x) => `${x.test.title}: ${x.result.status}${x.result.failure ? ` (${x.result.failure.message})` : ''}`);
const lines = (file: string): string[] => readFileSync(file, 'utf8').trimEnd().split('\n');

test('JUnit from merged shard logs equals the sum of the shards and validates', async () => {
  const files = [await shard(1, 3), await shard(2, 3), await shard(3, 3)];
  const events = mergeEventLogs(files);
  expect(events.filter((e) => e.type === 'begin')).toHaveLength(1);
  expect(events.filter((e) => e.type === 'end')).toHaveLength(1);

  const out = join(dir, 'merged.xml');
  const recorder = new RecordingReporter();
  await replayEvents(events, new Multiplexer([new JUnitReporter({ outputFile: out }), recorder]));
  expect(recorder.info?.tests).toHaveLength(9);
  expect(recorder.summary).toMatchObject({ status: 'failed', counts: { passed: 7, failed: 1, skipped: 1, flaky: 0, error: 0, interrupted: 0 } });
  expect((await validateJUnit(out)).exitCode).toBe(0);
  expect(await xpath(out, 'concat(/testsuites/@tests, " ", /testsuites/@failures, " ", count(//testsuite))')).toBe('9 1 6');

  // The same run unsharded gives the same testcases with the same verdicts.
  const whole = join(dir, 'whole.xml');
  await new Run({ rig, suites, executor: executor(), reporter: new JUnitReporter({ outputFile: whole }), options: { clock: new FakeClock(1_700_000_000_000) } }).start();
  const verdicts = (f: string): string[] => casesOf(readFileSync(f, 'utf8')).map((c) => `${c.suite} @ ${c.device} › ${c.name}: ${c.status}`).sort();
  expect(verdicts(out)).toEqual(verdicts(whole));
  expect(verdicts(out)).toHaveLength(9);
});

test('a torn last line is ignored; a shard with no end makes the merge interrupted', async () => {
  const file = await shard(1, 1);
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  // Keep everything up to the last testEnd, then half a line, as a SIGKILL would leave it.
  const lastTestEnd = lines.map((l) => JSON.parse(l).type).lastIndexOf('testEnd');
  writeFileSync(file, `${lines.slice(0, lastTestEnd + 1).join('\n')}\n`);
  appendFileSync(file, '{"type":"testEnd","testId":"ab');
  const events = mergeEventLogs([file]);
  const end = events[events.length - 1]!;
  expect(end.type === 'end' && end.summary.status).toBe('interrupted');
  expect(end.type === 'end' && end.summary.message).toBe(`${file}: run did not finish`);
});

test('logs from a newer format or of another kind are refused with their line', () => {
  const newer = join(dir, 'newer.jsonl');
  writeFileSync(newer, '{"type":"header","format":"csmp-hil-events","version":99}\n');
  expectConfigError(() => mergeEventLogs([newer]), { where: `${newer}:1`, code: 'unsupported' });
  const other = join(dir, 'other.jsonl');
  writeFileSync(other, '{"hello":1}\n');
  expectConfigError(() => mergeEventLogs([other]), { where: `${other}:1`, code: 'value' });
  const broken = join(dir, 'broken.jsonl');
  writeFileSync(broken, 'not json\n{"type":"header","format":"csmp-hil-events","version":1}\n{"type":"begin"}\n');
  expectConfigError(() => mergeEventLogs([broken]), { where: `${broken}:1`, code: 'syntax' });
});

describe('only the shards of one run are merged', () => {
  test('a shard given twice is refused, naming both files', async () => {
    const one = await shard(1, 2);
    const again = await shard(1, 2, suites, 'shard-1-again.jsonl');
    expect((thrown(() => mergeEventLogs([one, again])) as Error).message).toBe(`${again}: is shard 1/2, and so is ${one}: give each shard's log once`);
    expectConfigError(() => mergeEventLogs([one, one]), { where: one, code: 'conflict' });
  });

  test('shards of different counts, and a whole run with a shard, are refused', async () => {
    const a = await shard(1, 2);
    const b = await shard(2, 3);
    expect((thrown(() => mergeEventLogs([a, b])) as Error).message).toBe(`${b}: is shard 2/3 but ${a} is shard 1/2: shards of one run are all i/2; merge the logs of one run only`);
    const whole = join(dir, 'whole.jsonl');
    await new Run({ rig, suites, executor: executor(), reporter: new EventLogReporter({ outputFile: whole }), options: { clock: new FakeClock(1_700_000_000_000) } }).start();
    expect((thrown(() => mergeEventLogs([whole, a])) as Error).message).toBe(`${a}: is shard 1/2 but ${whole} is a whole run (no --shard): shards of one run are all i/1; merge the logs of one run only`);
  });

  test('shard 2/2 of a run with other suites is refused: the plans differ', async () => {
    const a = await shard(1, 2);
    const b = await shard(2, 2, [suites[0]!]);
    expect((thrown(() => mergeEventLogs([a, b])) as Error).message).toMatch(
      new RegExp(`^${b.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: shard 2/2 of another run than .*shard-1\\.jsonl: its plan \\(4\\+2 tests, [0-9a-f]{16}\\) is not that one's \\(5\\+4 tests, [0-9a-f]{16}\\); shards of one run are run with the same suites, devices, filters and shard count$`),
    );
  });

  test('a missing shard: what is there is merged, the missing shard is a harness error naming its test count, and the run is interrupted', async () => {
    const { recorder, warnings, junit } = await merge([await shard(1, 2)]);
    expect(warnings).toEqual(['missing: shard 2/2 is missing: no event log was given for it, so its 4 tests are not in this report']);
    expect(recorder.errors).toEqual(['shard 2/2 is missing: no event log was given for it, so its 4 tests are not in this report']);
    expect(recorder.summary).toMatchObject({ status: 'interrupted', message: 'shard 2/2 missing', counts: { passed: 4, failed: 0, skipped: 1, interrupted: 0, error: 0 } });
    expect(await xpath(junit, 'concat(/testsuites/@tests, " ", /testsuites/@failures, " ", /testsuites/@errors)')).toBe('7 0 2');
  });

  test('a shard that stopped mid-run: every test it listed without a final result is interrupted', async () => {
    const a = await shard(1, 2);
    const b = await shard(2, 2);
    const kept = lines(b);
    const firstEnd = kept.findIndex((l) => l.includes('"type":"testEnd"'));
    writeFileSync(b, `${kept.slice(0, firstEnd + 1).join('\n')}\n`);
    const { recorder, warnings, junit } = await merge([a, b]);
    expect(warnings).toEqual([]);
    const why = `no result: ${b} (shard 2/2) ends before this test finished; the shard was stopped or could not write its log`;
    expect(finalsOf(recorder).slice(5)).toEqual([
      'baseline @ meter-2 › registers: passed',
      `baseline @ meter-2 › reads: interrupted (${why})`,
      `power @ meter-1 › cycles: interrupted (${why})`,
      `power @ meter-2 › cycles: interrupted (${why})`,
    ]);
    expect(recorder.summary).toMatchObject({ status: 'interrupted', message: `${b}: run did not finish`, counts: { passed: 5, failed: 0, skipped: 1, interrupted: 3, error: 0 } });
    expect(await xpath(junit, 'concat(/testsuites/@tests, " ", /testsuites/@failures, " ", /testsuites/@errors)')).toBe('10 0 4');
  });

  test('a line broken in the middle is skipped and said; the test whose result it held is an error, and the run is an error', async () => {
    const file = await shard(1, 1);
    const kept = lines(file);
    // As a full disk left it: a frame cut off, and the next line (a testEnd) written on after it.
    const at = kept.findIndex((l) => l.includes('"type":"testEnd"'));
    const cut = [...kept.slice(0, at - 1), kept[at - 1]!.slice(0, 40) + kept[at]!, ...kept.slice(at + 1)];
    writeFileSync(file, `${cut.join('\n')}\n`);
    const { recorder, warnings, junit } = await merge([file]);
    const skipped = `${file}:${at}: not a JSON event; skipped, so this report lacks what that line recorded`;
    const noResult = `${file} (shard 1/1): no result for 1 test although the shard ran to its end; they are errors here`;
    expect(warnings).toEqual([`lost: ${skipped}`, `lost: ${noResult}`]);
    expect(recorder.errors).toEqual([skipped, noResult]);
    expect(finalsOf(recorder)).toContain(`baseline @ meter-1 › registers: error (no result: ${file} (shard 1/1) ran to its end but holds no result for this test; the log lost it)`);
    expect(recorder.summary).toMatchObject({ status: 'error', message: `${file}: results not fully recorded`, counts: { passed: 6, failed: 1, skipped: 1, error: 1 } });
    expect(await xpath(junit, 'concat(/testsuites/@tests, " ", /testsuites/@failures, " ", /testsuites/@errors)')).toBe('11 1 3');
  });
});

test('attachments: the log holds them relative to its folder, and the merge copies them beside the merged reports', async () => {
  const shardDir = join(dir, 'moved', 'shard-1');
  const log = join(shardDir, 'events.jsonl');
  const pcap = join(shardDir, 'attachments', 'baseline', 'meter-1', 'reads.pcap');
  const s = suite('baseline', 'tests: [ { name: reads, steps: [ { get: 75 } ] } ]');
  const ex = new FakeExecutor().when('get: 75', async (_s, ctx) => {
    mkdirSync(dirname(pcap), { recursive: true });
    writeFileSync(pcap, 'pcap bytes');
    ctx.attach({ name: 'meter-1.pcap', path: pcap, contentType: 'application/vnd.tcpdump.pcap' });
    return { status: 'passed' };
  });
  await new Run({ rig: fakeRig([{ name: 'meter-1' }]), suites: [s], executor: ex, reporter: new EventLogReporter({ outputFile: log }) }).start();
  const testEnd = readFileSync(log, 'utf8').split('\n').find((l) => l.includes('"type":"testEnd"'))!;
  expect(JSON.parse(testEnd).result.attachments).toEqual([{ name: 'meter-1.pcap', path: 'attachments/baseline/meter-1/reads.pcap', contentType: 'application/vnd.tcpdump.pcap' }]);

  // Moved, as a CI artifact is, then merged elsewhere: the copy is where the merged results say.
  const moved = join(dir, 'artifact');
  renameSync(join(dir, 'moved'), moved);
  const merged = join(dir, 'merged');
  const events = mergeEventLogs([join(moved, 'shard-1', 'events.jsonl')], { attachmentsInto: merged });
  const end = events.find((e) => e.type === 'testEnd')!;
  const copy = join(merged, 'attachments', 'baseline', 'meter-1', 'reads.pcap');
  expect(end.type === 'testEnd' && end.result.attachments.map((a) => a.path)).toEqual([copy]);
  expect(readFileSync(copy, 'utf8')).toBe('pcap bytes');
  const junit = join(merged, 'junit.xml');
  await replayEvents(events, new JUnitReporter({ outputFile: junit }));
  expect(await xpath(junit, 'string(//system-out)')).toContain('[[ATTACHMENT|attachments/baseline/meter-1/reads.pcap]]');
});

test('observations are logged and replayed as they happened', async () => {
  const log = join(dir, 'obs.jsonl');
  const w = new EventLogReporter({ outputFile: log });
  const info = { rig: { name: 'r', file: 'r.yaml' }, startTime: 0, tests: [], retries: 0, bail: false };
  const frame = { at: 1, direction: 'in' as const, link: 'dongle0', device: 'meter-1', testId: 't', retry: 0, tlvs: [], hex: '60' };
  const line = { at: 2, device: 'meter-1', direction: 'rx' as const, text: 'meter> ' };
  const power = { at: 3, device: 'meter-1', op: 'cycle' as const, outcome: 'done' as const };
  const change = { at: 4, kind: 'state' as const, deviceAt: 40, device: 'meter-1', name: 'up → registering', message: 'POST /r' };
  w.onBegin(info);
  w.onFrame(frame);
  w.onConsoleLine(line);
  w.onPower(power);
  w.onNmsChange(change);
  w.onEnd({ status: 'passed', startTime: 0, duration: 5, counts: { passed: 0, failed: 0, flaky: 0, skipped: 0, interrupted: 0, error: 0 } });
  const got: unknown[] = [];
  await replayEvents(mergeEventLogs([log]), { onFrame: (f) => void got.push(f), onConsoleLine: (l) => void got.push(l), onPower: (p) => void got.push(p), onNmsChange: (c) => void got.push(c) });
  expect(got).toEqual([frame, line, power, change]);
  expect(readFileSync(log, 'utf8').split('\n')[0]).toBe('{"type":"header","format":"csmp-hil-events","version":2}');
});

test('a disk full for a while: the event log keeps whole lines, says what it lacks, and the merge reads every result it holds', async () => {
  const file = join(dir, 'full.jsonl');
  const disk = fullDisk();
  const log = new EventLogReporter({ outputFile: file, io: disk.io });
  let begun = 0;
  let full = false;
  // Full from the second test's begin (30 bytes fit: a line cut off) until the next result is written.
  const spell: Reporter = {
    onTestBegin: () => {
      if (++begun === 2) (full = true), disk.fill(30);
    },
    onTestEnd: () => {
      if (full) (full = false), disk.free();
    },
  };
  const refused: string[] = [];
  await new Run({ rig, suites, executor: executor(), reporter: new Multiplexer([spell, log], (l) => void refused.push(l)), options: { clock: new FakeClock(1_700_000_000_000) } }).start();
  expect(refused.length).toBeGreaterThan(0);
  const text = readFileSync(file, 'utf8');
  const all = text.trimEnd().split('\n');
  expect(all.filter((l) => { try { JSON.parse(l); return false; } catch { return true; } })).toEqual([]);
  const gap = all.map((l) => JSON.parse(l) as { type: string; lost?: number; error?: { message: string } }).find((e) => e.type === 'error')!;
  expect(gap.error!.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: [1-9][0-9]* events? of this run could not be written \\(no space left on the device \\(ENOSPC\\)\\); this log lacks them$`));
  const { recorder, warnings } = await merge([file]);
  expect(warnings).toEqual([`lost: ${gap.error!.message}`]);
  expect(recorder.errors).toEqual([gap.error!.message]);
  // Every result is there: the gap held the second test's steps, not its result.
  expect(recorder.summary).toMatchObject({ status: 'error', message: `${file}: results not fully recorded`, counts: { passed: 7, failed: 1, skipped: 1, interrupted: 0, error: 0 } });
});

describe('event lines are checked before they are merged', () => {
  const rewrite = (file: string, change: (lines: any[]) => void): void => {
    const all: any[] = lines(file).map((l) => JSON.parse(l));
    change(all);
    writeFileSync(file, `${all.map((l) => JSON.stringify(l)).join('\n')}\n`);
  };

  test('a begin event of the wrong shape is a ConfigError naming file, line and field', async () => {
    const file = await shard(1, 1);
    rewrite(file, (l) => void (l[1].info.tests[2].device.capabilities = 'console'));
    expectConfigError(() => mergeEventLogs([file]), { where: `${file}:2`, code: 'schema' });
    expect((thrown(() => mergeEventLogs([file])) as Error).message).toBe(`${file}:2: not a valid begin event: info.tests[2].device.capabilities: must be a list (found 'console')`);
  });

  test('other events of the wrong shape, or for a test the log does not list, are skipped and said; the run is not complete', async () => {
    const file = await shard(1, 1);
    let bad = 0;
    let foreign = 0;
    rewrite(file, (l) => {
      bad = l.findIndex((x) => x.type === 'stepEnd');
      l[bad].step.attachments = [{ name: 'pcap', path: 5, contentType: 'x' }];
      foreign = l.findIndex((x) => x.type === 'testBegin');
      l[foreign].testId = 'not-a-test';
    });
    const { warnings } = await merge([file]);
    expect(warnings).toEqual([
      `lost: ${file}:${foreign + 1}: testBegin event for test "not-a-test", which this log's begin event does not list; skipped, so this report lacks what that line recorded`,
      `lost: ${file}:${bad + 1}: not a valid stepEnd event: step.attachments[0].path: must be a string (found 5); skipped, so this report lacks what that line recorded`,
    ]);
    expect(foreign).toBeLessThan(bad);
    const events = mergeEventLogs([file]);
    const end = events[events.length - 1]!;
    expect(end.type === 'end' && [end.summary.status, end.summary.message]).toEqual(['error', `${file}: results not fully recorded`]);
  });
});
