import vm from 'node:vm';
import { CLIENT_JS } from '../../../harness/report/html/client.js';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readHistory } from '../../../harness/history/read.js';
import { historyStats } from '../../../harness/history/stats.js';
import { readTrend } from '../../../harness/history/trend.js';
import { HistoryReporter } from '../../../harness/report/history.js';
import { HtmlReporter, writeDue } from '../../../harness/report/html/reporter.js';
import { frameLabel } from '../../../harness/report/html/test-view.js';
import type { FrameEvent } from '../../../harness/model/observations.js';
import type { RunInfo, RunSummary, TestCase, TestResult } from '../../../harness/model/run-model.js';
import { emptyCounts } from '../../../harness/model/run-model.js';
import { tempDir } from '../../suites/support/rigs.js';

const tmp = tempDir('hil-htmlu-');
afterAll(() => tmp.cleanup());

const device = { name: 'meter-1', eui64: '00173bfffe000001', address: 'fd00:77::101', link: 'dongle0', port: 61628, firmwareVersion: '5.6.21', hwId: 'hw', firmwareGroup: '317', capabilities: [] };
const tc = (id: string, name: string): TestCase => ({ id, rig: 'virtual', suite: { name: 's', branch: 'b', file: 'suites/s.yaml' }, name, title: `s @ meter-1 › ${name}`, where: 'suites/s.yaml:1:1', device, requires: { capabilities: [], nmsAddresses: [] }, retries: 0 });
const info = (tests: TestCase[]): RunInfo => ({ rig: { name: 'virtual', file: 'rigs/virtual.yaml' }, startTime: 1000, tests, retries: 0, bail: false });
const result = (t: TestCase, status: TestResult['status'], retry = 0): TestResult => ({
  testId: t.id,
  retry,
  status,
  willRetry: false,
  startTime: 1000,
  duration: 10,
  steps: [],
  attachments: [],
  ...(status === 'failed' ? { failure: { kind: 'expectation' as const, message: 'it </script> broke' } } : {}),
});
const summary = (status: RunSummary['status']): RunSummary => ({ status, startTime: 1000, duration: 50, counts: emptyCounts() });
const frame = (t: TestCase, at: number): FrameEvent => ({
  at,
  direction: 'in',
  link: 'dongle0',
  device: 'meter-1',
  testId: t.id,
  retry: 0,
  src: 'fd00:77::101',
  dst: 'fd00::1',
  from: 'meter-1',
  to: 'fnd',
  coap: { type: 'NON', code: '0.02', codeName: '0.02 POST', messageId: 1, token: '', uriPath: ['c'], uriQuery: [], payloadLength: 3 },
  tlvs: [{ type: 22, name: 'Uptime', value: { value: 5 }, raw: '0805' }],
  hex: '60',
});

/** The page's run data and one test's block, as the page would parse them. */
function read(file: string): { run: { status: string; tests: { id: string; outcome: string; message: string }[]; history: { tests: Record<string, unknown> }[] }; block(id: string): any } {
  const text = readFileSync(file, 'utf8');
  const script = (id: string): string | undefined => new RegExp(`<script type="application/json" id="${id}">([^<]*)</script>`).exec(text)?.[1];
  return { run: JSON.parse(script('run-data')!), block: (id) => (script(`t-${id}`) === undefined ? undefined : JSON.parse(script(`t-${id}`)!)) };
}

test('written at begin, after each test and at the end; data in script blocks that nothing can close early', () => {
  const file = join(tmp.dir, 'a', 'report.html');
  const a = tc('aaaa', 'passes');
  const b = tc('bbbb', 'fails');
  const r = new HtmlReporter({ outputFile: file });
  r.onBegin(info([a, b]));
  expect(read(file).run.tests.map((t) => t.outcome)).toEqual(['pending', 'pending']);
  r.onTestBegin(a, { retry: 0 });
  r.onFrame(frame(a, 1005));
  r.onTestEnd(a, result(a, 'passed'));
  expect(read(file).run.tests.map((t) => t.outcome)).toEqual(['passed', 'pending']);
  expect(read(file).block('aaaa').attempts[0].rows).toEqual([[5, 2, 0, 'NON POST /c · 22 Uptime', 0, 0]]);
  r.onTestBegin(b, { retry: 0 });
  r.onTestEnd(b, result(b, 'failed'));
  r.onEnd(summary('failed'));
  const text = readFileSync(file, 'utf8');
  // The only "</script" are the page's own: one per data block, the run data and the script.
  expect(text.match(/<\/script>/g)).toHaveLength(4);
  expect(read(file).run.status).toBe('failed');
  expect(read(file).run.tests[1]!.message).toBe('it </script> broke');
});

test('size rules: passing tests keep decoded frames while the budget lasts, failing tests always', () => {
  const file = join(tmp.dir, 'b', 'report.html');
  const tests = [tc('p1', 'first pass'), tc('p2', 'second pass'), tc('f1', 'a failure')];
  const r = new HtmlReporter({ outputFile: file, detailBudget: 1 });
  r.onBegin(info(tests));
  for (const t of tests) {
    r.onTestBegin(t, { retry: 0 });
    r.onFrame(frame(t, 1001));
    r.onFrame(frame(t, 1002));
    r.onTestEnd(t, result(t, t.id === 'f1' ? 'failed' : 'passed'));
  }
  r.onEnd(summary('failed'));
  const { block } = read(file);
  expect(block('p1').attempts[0].details).toHaveLength(2);
  // Over budget: rows (the diagram) stay, decoded fields go.
  expect(block('p2').attempts[0].rows.map((row: unknown[]) => row[5])).toEqual([-1, -1]);
  expect(block('p2').attempts[0].details).toEqual([]);
  expect(block('f1').attempts[0].details.map((d: { tlvs: { name: string }[] }) => d.tlvs[0]!.name)).toEqual(['Uptime', 'Uptime']);
});

test('on a big run a rewrite waits while writing would cost more than a tenth of the time; small ones never wait', () => {
  expect(writeDue({ at: 1000, cost: 40 }, 1001)).toBe(true);
  expect(writeDue({ at: 1000, cost: 100 }, 1899)).toBe(false);
  expect(writeDue({ at: 1000, cost: 100 }, 1900)).toBe(true);
  // A put-off rewrite is made by the next test that finds it due, and always by the end.
  const file = join(tmp.dir, 'c', 'report.html');
  const a = tc('t1', 'one');
  const r = new HtmlReporter({ outputFile: file });
  r.onBegin(info([a]));
  (r as unknown as { lastWrite: { at: number; cost: number } }).lastWrite = { at: Date.now() + 60_000, cost: 1000 };
  r.onTestEnd(a, result(a, 'passed'));
  expect(r.pending).toBe(true);
  expect(read(file).run.tests.map((t) => t.outcome)).toEqual(['pending']);
  r.onEnd(summary('passed'));
  expect(r.pending).toBe(false);
  expect(read(file).run.tests.map((t) => t.outcome)).toEqual(['passed']);
});

test('history: hil history and the HTML trend read one store; a torn last line costs that line only', () => {
  const dir = join(tmp.dir, 'history');
  const a = tc('aaaa', 'passes');
  const files: string[] = [];
  for (const status of ['failed', 'passed'] as const) {
    const h = new HistoryReporter({ dir, host: 'rack-7' });
    h.onBegin(info([a]));
    h.onTestEnd(a, { ...result(a, status), willRetry: status === 'failed' });
    if (status === 'failed') h.onTestEnd(a, result(a, 'passed', 1));
    h.onEnd(summary('passed'));
    files.push(h.file!);
  }
  appendFileSync(files[1]!, '{"type":"test","runId":"torn","tes');
  // The same store, as hil history reads it.
  const stored = readHistory(dir);
  expect(stored.skipped).toEqual([]);
  expect(stored.runs.map((r) => r.tests.map((t) => [t.testId, t.outcome, t.attempts]))).toEqual([[['aaaa', 'flaky', ['failed', 'passed']]], [['aaaa', 'expected', ['passed']]]]);
  expect(historyStats(stored.runs)).toMatchObject([{ testId: 'aaaa', runs: 2, passed: 2, passedOnRetry: 1, flaky: true }]);
  // And as the HTML report's trend.
  const runs = readTrend(dir);
  expect(runs).toEqual([
    { startTime: 1000, status: 'passed', tests: { aaaa: ['flaky', 10] } },
    { startTime: 1000, status: 'passed', tests: { aaaa: ['passed', 10] } },
  ]);
  expect(readTrend(join(tmp.dir, 'no-such-history'))).toEqual([]);

  const file = join(tmp.dir, 'd', 'report.html');
  const r = new HtmlReporter({ outputFile: file, history: runs });
  r.onBegin(info([a, tc('gone', 'not in this run')]));
  r.onEnd(summary('passed'));
  expect(read(file).run.history.map((h) => h.tests)).toEqual([{ aaaa: ['flaky', 10] }, { aaaa: ['passed', 10] }]);
});

test('arrow labels: type, code, path and TLV names, repeats counted, damage said', () => {
  const t = tc('x', 'x');
  const f = frame(t, 0);
  expect(frameLabel(f)).toBe('NON POST /c · 22 Uptime');
  expect(frameLabel({ ...f, coap: { ...f.coap!, type: 'ACK', code: '2.05', codeName: '2.05 Content', uriPath: [] }, tlvs: [f.tlvs[0]!, f.tlvs[0]!] })).toBe('ACK 2.05 Content · 22 Uptime ×2');
  expect(frameLabel({ ...f, coap: { ...f.coap!, uriQuery: ['q=75'] }, tlvs: [], error: { layer: 'tlv', offset: 60, reason: 'truncated' } })).toBe('NON POST /c?q=75 · ! tlv: truncated');
  const { coap: _c, ...bare } = f;
  expect(frameLabel({ ...bare, error: { layer: 'udp', offset: 40, reason: 'bad length' } })).toBe('udp: bad length');
});

test('the page script is valid JavaScript (the browser tests read it in Chromium)', () => {
  expect(() => new vm.Script(CLIENT_JS, { filename: 'report-client.js' })).not.toThrow();
});
