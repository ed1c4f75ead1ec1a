/**
 * The run history over several generated runs: the real runner with scripted outcomes, the history
 * reporter writing, the reader and the statistics — pass rates, flakiness (passed on retry, or
 * alternating), first failure, failing since, firmware vs rig faults — checked value for value.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHistory } from '../../../harness/history/read.js';
import { renderHistory } from '../../../harness/history/render.js';
import { historyStats, type TestHistory } from '../../../harness/history/stats.js';
import { readTrend } from '../../../harness/history/trend.js';
import { HistoryReporter } from '../../../harness/report/history.js';
import { Run } from '../../../harness/runner/run.js';
import { FakeClock } from '../../support/fake-clock.js';
import { FakeExecutor } from '../runner/support/fake-executor.js';
import { fakeRig, suite } from '../runner/support/fixtures.js';
import { fullDisk } from '../../support/full-disk.js';
import { Multiplexer } from '../../../harness/model/multiplexer.js';
import type { Reporter } from '../../../harness/model/reporter.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T02:00:00Z');
const rig = fakeRig([{ name: 'meter-1', capabilities: ['console', 'power', 'stats'] }, { name: 'meter-2', capabilities: ['power'] }]);
const nightly = suite(
  'nightly',
  'tests:',
  '  - { name: a, steps: [ { get: 1 } ] }',
  '  - { name: b, steps: [ { get: 2 } ] }',
  '  - { name: c, steps: [ { get: 3 } ] }',
  '  - { name: d, steps: [ { console: stats } ] }',
);

/** Run r (0-based) of the nightly, scripted per device and attempt. */
function executorFor(r: number): FakeExecutor {
  return new FakeExecutor()
    .when('get: 1', async () => (r % 2 === 1 ? { status: 'failed', message: `a fails in run ${r + 1}\nsecond line` } : { status: 'passed' }), 'meter-2')
    .when('get: 2', async (_s, ctx) => (r === 2 && ctx.retry === 0 ? { status: 'failed', message: 'b first try' } : { status: 'passed' }), 'meter-1')
    .when('get: 2', async () => (r >= 2 ? { status: 'failed', message: 'b regressed' } : { status: 'passed' }), 'meter-2')
    .when('get: 3', async () => (r === 1 ? { status: 'error', message: 'console port lost' } : { status: 'passed' }), 'meter-1');
}

describe('run history', () => {
  let dir: string;
  const runIds: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hil-history-'));
    for (let r = 0; r < 5; r++) {
      const clock = new FakeClock(T0 + r * 24 * HOUR);
      const history = new HistoryReporter({ dir, host: 'rack-7', ...(r === 0 ? { ciJobUrl: 'https://ci.example/jobs/1' } : {}) });
      await new Run({ rig, suites: [nightly], executor: executorFor(r), reporter: history, options: { retries: 1, clock } }).start();
      runIds.push(history.file!.replace(/^.*\//, '').replace(/\.jsonl$/, ''));
    }
    // A sixth run killed during its first test: a header, an interrupted test, a torn line, no end.
    const sixth = `20260306T020000Z-rack-7-${process.pid}`;
    const header = { type: 'run', format: 'csmp-hil-history', version: 1, runId: sixth, rig: 'fake-rig', startTime: T0 + 5 * 24 * HOUR, host: 'rack-7' };
    const first = JSON.parse(readFileSync(join(dir, `${runIds[0]}.jsonl`), 'utf8').split('\n')[1]!);
    const killed = { ...first, runId: sixth, outcome: 'unexpected', attempts: ['interrupted'], message: 'run interrupted' };
    writeFileSync(join(dir, `${sixth}.jsonl`), `${JSON.stringify(header)}\n${JSON.stringify(killed)}\n`);
    appendFileSync(join(dir, `${sixth}.jsonl`), '{"type":"test","runId":"2026');
    runIds.push(sixth);
    // Not ours: skipped and said so.
    writeFileSync(join(dir, 'notes.jsonl'), '{"hello":1}\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('each run is a JSON-lines file: header, one line per test when it ends, end', () => {
    expect(readdirSync(dir).sort()).toEqual([...runIds.map((id) => `${id}.jsonl`), 'notes.jsonl'].sort());
    expect(runIds[0]).toBe(`20260301T020000Z-rack-7-${process.pid}`);
    const lines = readFileSync(join(dir, `${runIds[2]}.jsonl`), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ type: 'run', format: 'csmp-hil-history', version: 1, runId: runIds[2], rig: 'fake-rig', startTime: T0 + 2 * 24 * HOUR, host: 'rack-7' });
    expect(lines.filter((l) => l.type === 'test')).toHaveLength(8);
    expect(lines.find((l) => l.type === 'test' && l.test === 'b' && l.device === 'meter-1')).toMatchObject({
      suite: 'nightly',
      eui64: '00173b0000000001',
      firmwareVersion: '6.2.19',
      outcome: 'flaky',
      attempts: ['failed', 'passed'],
    });
    expect(lines.find((l) => l.type === 'test' && l.test === 'b' && l.device === 'meter-2')).toMatchObject({
      outcome: 'unexpected',
      fault: 'firmware',
      attempts: ['failed', 'failed'],
      message: 'step 1 (get: 2): b regressed',
    });
    expect(lines[lines.length - 1]).toEqual({
      type: 'end',
      runId: runIds[2],
      status: 'failed',
      duration: 0,
      counts: { passed: 5, failed: 1, flaky: 1, skipped: 1, interrupted: 0, error: 0 },
    });
  });

  test('statistics per test and device, exactly', () => {
    const read = readHistory(dir);
    expect(read.runs.map((r) => r.run.runId)).toEqual(runIds);
    expect(read.runs.map((r) => r.end === undefined)).toEqual([false, false, false, false, false, true]);
    expect(read.skipped).toEqual([{ file: join(dir, 'notes.jsonl'), reason: 'not a csmp-hil-history file' }]);
    const at = (r: number) => ({ runId: runIds[r]!, startTime: T0 + r * 24 * HOUR });
    const none = { firmware: 0, rig: 0 };
    const row = (suiteTest: string, device: string, v: Partial<TestHistory>): Partial<TestHistory> => ({ suite: 'nightly', test: suiteTest, device, ...v });
    const stats = historyStats(read.runs).map(({ testId, ...rest }) => rest);
    expect(stats).toEqual([
      // Always passed; the killed sixth run's interrupted attempt is no verdict, but is the latest run.
      row('a', 'meter-1', { runs: 5, passed: 5, passRate: 1, flaky: false, passedOnRetry: 0, flips: 0, failures: none, last: { ...at(5), outcome: 'unexpected' } }),
      // Pass, fail, pass, fail, pass: alternating, so flaky; not failing now.
      row('a', 'meter-2', {
        runs: 5,
        passed: 3,
        passRate: 0.6,
        flaky: true,
        passedOnRetry: 0,
        flips: 4,
        firstFailure: { ...at(1), message: 'step 1 (get: 1): a fails in run 2', fault: 'firmware' },
        failures: { firmware: 2, rig: 0 },
        last: { ...at(4), outcome: 'expected' },
      }),
      // Passed every run, once only on its retry: flaky.
      row('b', 'meter-1', { runs: 5, passed: 5, passRate: 1, flaky: true, passedOnRetry: 1, flips: 0, failures: none, last: { ...at(4), outcome: 'expected' } }),
      // A regression: one flip, failing since the third run — not flaky.
      row('b', 'meter-2', {
        runs: 5,
        passed: 2,
        passRate: 0.4,
        flaky: false,
        passedOnRetry: 0,
        flips: 1,
        firstFailure: { ...at(2), message: 'step 1 (get: 2): b regressed', fault: 'firmware' },
        failingSince: at(2),
        failures: { firmware: 3, rig: 0 },
        last: { ...at(4), outcome: 'unexpected' },
      }),
      // The bench failed once (an error, not the firmware).
      row('c', 'meter-1', {
        runs: 5,
        passed: 4,
        passRate: 0.8,
        flaky: true,
        passedOnRetry: 0,
        flips: 2,
        firstFailure: { ...at(1), message: 'step 1 (get: 3): console port lost', fault: 'rig' },
        failures: { firmware: 0, rig: 1 },
        last: { ...at(4), outcome: 'expected' },
      }),
      row('c', 'meter-2', { runs: 5, passed: 5, passRate: 1, flaky: false, passedOnRetry: 0, flips: 0, failures: none, last: { ...at(4), outcome: 'expected' } }),
      row('d', 'meter-1', { runs: 5, passed: 5, passRate: 1, flaky: false, passedOnRetry: 0, flips: 0, failures: none, last: { ...at(4), outcome: 'expected' } }),
      // Never ran (meter-2 has no console): no verdict, no rate.
      row('d', 'meter-2', { runs: 0, passed: 0, flaky: false, passedOnRetry: 0, flips: 0, failures: none, last: { ...at(4), outcome: 'skipped' } }),
    ]);
  });

  test('the text table puts what fails now first, then the flaky ones', () => {
    const read = readHistory(dir);
    const lines = renderHistory(historyStats(read.runs), read.runs.length).split('\n');
    expect(lines[0]).toMatch(/^TEST\s+DEVICE\s+PASS\s+FLAKY\s+FIRST FAILURE\s+FAILING SINCE\s+FIRMWARE\/RIG$/);
    expect(lines.slice(1, 5).map((l) => l.replace(/\s{2,}/g, ' | '))).toEqual([
      `nightly › b | meter-2 | 2/5 40% | - | 2026-03-03T02:00:00Z ${runIds[2]} | 2026-03-03T02:00:00Z | 3/0`,
      `nightly › a | meter-2 | 3/5 60% | 4 flips | 2026-03-02T02:00:00Z ${runIds[1]} | - | 2/0`,
      `nightly › c | meter-1 | 4/5 80% | 2 flips | 2026-03-02T02:00:00Z ${runIds[1]} | - | 0/1`,
      'nightly › b | meter-1 | 5/5 100% | passed on retry ×1 | - | - | 0/0',
    ]);
    expect(lines[lines.length - 1]).toBe('8 tests over 6 runs: 1 failing now, 3 flaky');
  });
});

describe('a disk that was full for a while', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hil-history-full-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('the writer leaves only whole lines: the refused test is missing, every other one is read', async () => {
    const disk = fullDisk();
    const history = new HistoryReporter({ dir, host: 'rack-7', io: disk.io });
    let ended = 0;
    // The third result finds the disk full (20 bytes fit: a line cut off); space is back for the fourth.
    const spell: Reporter = {
      onTestEnd: (_t, r) => {
        if (r.willRetry) return;
        if (++ended === 3) disk.fill(20);
        if (ended === 4) disk.free();
      },
    };
    const refused: string[] = [];
    await new Run({ rig, suites: [nightly], executor: executorFor(0), reporter: new Multiplexer([spell, history], (l) => void refused.push(l.split('\n')[0]!)), options: { clock: new FakeClock(T0) } }).start();
    expect(refused).toEqual(['reporter history failed in onTestEnd: Error: ENOSPC: no space left on device, write']);
    const read = readHistory(dir);
    expect(read.skipped).toEqual([]);
    expect(read.skippedLines).toEqual([]);
    expect(read.runs.map((r) => [r.tests.length, r.end?.status])).toEqual([[7, 'passed']]);
  });

  test('a line broken in the middle of a file is skipped and said; the rest of the run is read', async () => {
    await new Run({ rig, suites: [nightly], executor: executorFor(0), reporter: new HistoryReporter({ dir, host: 'rack-7' }), options: { clock: new FakeClock(T0) } }).start();
    const file = join(dir, readdirSync(dir)[0]!);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    // As an unchecked write on a full disk left it: line 3 cut off, line 4 written on after it.
    writeFileSync(file, `${[...lines.slice(0, 2), lines[2]!.slice(0, 30) + lines[3]!, ...lines.slice(4)].join('\n')}\n`);
    const read = readHistory(dir);
    expect(read.skipped).toEqual([]);
    expect(read.skippedLines).toEqual([{ file, line: 3, reason: 'not JSON' }]);
    expect(read.runs.map((r) => [r.tests.length, r.end?.status])).toEqual([[6, 'passed']]);
  });
});

describe('history files a tool or a disk mangled', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hil-history-bad-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const runLine = (runId: string, startTime: number): string => JSON.stringify({ type: 'run', format: 'csmp-hil-history', version: 1, runId, rig: 'lab', startTime, host: 'rack-7' });
  const testLine = (runId: string, name: string, change: Record<string, unknown> = {}): string =>
    JSON.stringify({ type: 'test', runId, testId: `id-${name}`, suite: 's', test: name, device: 'meter-1', eui64: '00173bfffe000001', firmwareVersion: '5.6.21', outcome: 'expected', attempts: ['passed'], startTime: T0, duration: 20, ...change });
  const endLine = (runId: string): string => JSON.stringify({ type: 'end', runId, status: 'passed', duration: 90, counts: { passed: 1, failed: 0, flaky: 0, skipped: 0, interrupted: 0, error: 0 } });

  /** One good line of test `a` per run file, and around it what the audit found crashing hil history and hil run --history. */
  function mangled(): { good: string; bad: string; nullFile: string } {
    const good = join(dir, '20260301T020000Z-rack-7-1.jsonl');
    writeFileSync(good, [runLine('r1', T0), testLine('r1', 'a'), testLine('r1', 'b', { attempts: null }), testLine('r1', 'c', { suite: null, test: 5 }), testLine('other-run', 'd'), endLine('r1')].join('\n') + '\n');
    const bad = join(dir, '20260302T020000Z-rack-7-2.jsonl');
    writeFileSync(bad, [runLine('r2', T0 + 24 * HOUR), testLine('r2', 'a', { attempts: 'passed' }), 'null', testLine('r2', 'a', { outcome: 'weird' }), endLine('r2')].join('\n') + '\n');
    const nullFile = join(dir, '20260303T020000Z-rack-7-3.jsonl');
    writeFileSync(nullFile, `null\n${testLine('r3', 'a')}\n`);
    mkdirSync(join(dir, 'sub.jsonl'));
    return { good, bad, nullFile };
  }

  test('bad lines and files are skipped and named (file and line); every good record is read', () => {
    const { good, bad, nullFile } = mangled();
    const read = readHistory(dir);
    expect(read.skipped).toEqual([
      { file: nullFile, reason: 'not a csmp-hil-history file' },
      { file: join(dir, 'sub.jsonl'), reason: 'a folder, not a history file' },
    ]);
    expect(read.skippedLines).toEqual([
      { file: good, line: 3, reason: 'attempts: must be a list (found null)' },
      { file: good, line: 4, reason: 'suite: must be a string (found null)' },
      { file: good, line: 5, reason: "runId 'other-run' is not this file's run (r1)" },
      { file: bad, line: 2, reason: "attempts: must be a list (found 'passed')" },
      { file: bad, line: 3, reason: 'not a JSON object (found null)' },
      { file: bad, line: 4, reason: "outcome: 'weird' is not one of expected, unexpected, flaky, skipped" },
    ]);
    expect(read.runs.map((r) => [r.run.runId, r.tests.map((t) => t.test), r.end?.status])).toEqual([
      ['r1', ['a'], 'passed'],
      ['r2', [], 'passed'],
    ]);
    const rows = historyStats(read.runs);
    expect(rows.map((r) => [r.test, r.runs, r.passed])).toEqual([['a', 1, 1]]);
    expect(renderHistory(rows, read.runs.length).split('\n').at(-1)).toBe('1 tests over 2 runs: 0 failing now, 0 flaky');
  });

  test("the HTML trend reads the same records and says what it left out, as hil run's warnings", () => {
    const { good, bad, nullFile } = mangled();
    const said: string[] = [];
    const trend = readTrend(dir, 50, (line) => void said.push(line));
    expect(trend).toEqual([
      { startTime: T0, status: 'passed', tests: { 'id-a': ['passed', 20] } },
      { startTime: T0 + 24 * HOUR, status: 'passed', tests: {} },
    ]);
    expect(said).toEqual([
      `history: skipped ${nullFile}: not a csmp-hil-history file; the HTML trend leaves it out`,
      `history: skipped ${join(dir, 'sub.jsonl')}: a folder, not a history file; the HTML trend leaves it out`,
      `history: skipped line 3 of ${good}: attempts: must be a list (found null); the HTML trend leaves out what it recorded`,
      `history: skipped line 4 of ${good}: suite: must be a string (found null); the HTML trend leaves out what it recorded`,
      `history: skipped line 5 of ${good}: runId 'other-run' is not this file's run (r1); the HTML trend leaves out what it recorded`,
      `history: skipped line 2 of ${bad}: attempts: must be a list (found 'passed'); the HTML trend leaves out what it recorded`,
      `history: skipped line 3 of ${bad}: not a JSON object (found null); the HTML trend leaves out what it recorded`,
      `history: skipped line 4 of ${bad}: outcome: 'weird' is not one of expected, unexpected, flaky, skipped; the HTML trend leaves out what it recorded`,
    ]);
  });
});
