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
import { expectConfigError } from '../../support/errors.js';
import { RecordingReporter } from '../runner/support/recording-reporter.js';
import { validateJUnit, xpath } from './support/xmllint.js';
import { casesOf } from '../../suites/support/run.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hil-merge-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rig = fakeRig([{ name: 'meter-1' }, { name: 'meter-2' }, { name: 'meter-3', capabilities: ['console'] }]);
const suites = [
  suite('baseline', 'tests: [ { name: registers, steps: [ { nms: expect-registration } ] }, { name: reads, steps: [ { get: 75 } ] } ]'),
  suite('power', 'tests: [ { name: cycles, steps: [ { power: cycle } ] } ]'),
];
const executor = (): FakeExecutor => new FakeExecutor().when('get: 75', async (_s, ctx) => (ctx.device.name === 'meter-2' ? { status: 'failed', message: 'wrong version' } : { status: 'passed' }));

async function shard(index: number, total: number): Promise<string> {
  const file = join(dir, `shard-${index}.jsonl`);
  await new Run({ rig, suites, executor: executor(), reporter: new EventLogReporter({ outputFile: file }), options: { shard: { index, total }, clock: new FakeClock(1_700_000_000_000) } }).start();
  return file;
}

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
  writeFileSync(broken, '{"type":"header","format":"csmp-hil-events","version":1}\nnot json\n{"type":"begin"}\n');
  expectConfigError(() => mergeEventLogs([broken]), { where: `${broken}:2`, code: 'syntax' });
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
