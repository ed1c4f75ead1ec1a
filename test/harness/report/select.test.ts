import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventLogReporter } from '../../../harness/report/event-log.js';
import { JUnitReporter } from '../../../harness/report/junit.js';
import { ProgressReporter } from '../../../harness/report/progress.js';
import { checkReporterOutputs, createReporters, parseReporterList } from '../../../harness/report/select.js';
import { TapReporter } from '../../../harness/report/tap.js';
import { expectConfigError, thrown } from '../../support/errors.js';
import { Collector } from './support/collect.js';

test('parseReporterList', () => {
  expect(parseReporterList('junit=out/j.xml, tap ,events')).toEqual([
    { kind: 'junit', outputFile: 'out/j.xml' },
    { kind: 'tap' },
    { kind: 'events', outputFile: 'reports/events.jsonl' },
  ]);
  expect(parseReporterList('html,pcap=a')).toEqual([
    { kind: 'html', outputFile: 'reports/report.html' },
    { kind: 'pcap', dir: 'a' },
  ]);
  expectConfigError(() => parseReporterList('xml'), { where: '--reporter', code: 'value' });
  expect(() => parseReporterList('xml')).toThrow("--reporter: 'xml' is not one of junit[=file], html[=file], events[=file|-], pcap[=dir], tap[=file|-], progress");
});

test('TAP owns stdout, so progress goes to stderr; a terminal reporter is added when none prints', () => {
  const env = { stdout: new Collector(), stderr: new Collector() };
  const withTap = createReporters(parseReporterList('tap,progress'), env);
  expect(withTap.map((r) => r.constructor)).toEqual([TapReporter, ProgressReporter]);
  expect((withTap[1] as unknown as { stream: unknown }).stream).toBe(env.stderr);

  const silent = createReporters(parseReporterList('junit,events'), env);
  expect(silent.map((r) => r.constructor)).toEqual([ProgressReporter, EventLogReporter, JUnitReporter]);
  expect((silent[0] as unknown as { stream: unknown }).stream).toBe(env.stderr);
});

test('JUnit is the last reporter, whatever the order asked: what CI trusts is written after every report beside it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-order-'));
  try {
    const env = { stdout: new Collector(), stderr: new Collector() };
    const all = createReporters(parseReporterList(`junit,html,events,pcap,tap=${join(dir, 'out.tap')},progress`, dir), env, { historyDir: join(dir, 'history') });
    expect(all.map((r) => r.name)).toEqual(['pcap', 'html', 'events', 'tap', 'progress', 'history', 'junit']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without '=file' a reporter writes inside the reports folder given; an empty '=' is refused, naming the item", () => {
  expect(parseReporterList('junit,html,events,pcap,tap', '/runs/7')).toEqual([
    { kind: 'junit', outputFile: '/runs/7/junit.xml' },
    { kind: 'html', outputFile: '/runs/7/report.html' },
    { kind: 'events', outputFile: '/runs/7/events.jsonl' },
    { kind: 'pcap', dir: '/runs/7/attachments' },
    { kind: 'tap' },
  ]);
  for (const [item, reason] of [
    ['junit=', "'junit=' names no file after '='; write junit=FILE, or junit alone for junit.xml in the reports folder"],
    ['html=', "'html=' names no file after '='; write html=FILE, or html alone for report.html in the reports folder"],
    ['events=', "'events=' names no file after '='; write events=FILE, or events alone for events.jsonl in the reports folder"],
    ['pcap=', "'pcap=' names no folder after '='; write pcap=DIR, or pcap alone for attachments in the reports folder"],
    ['tap=', "'tap=' names no file after '='; write tap=FILE, or tap alone for standard output"],
  ]) {
    expectConfigError(() => parseReporterList(`progress,${item!}`, '/runs/7'), { where: '--reporter', code: 'value' });
    expect((thrown(() => parseReporterList(item!, '/runs/7')) as Error).message).toBe(`--reporter: ${reason!}`);
  }
});

describe('reporter files are checked before a run takes its folder, creating nothing', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hil-select-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a folder named as a file, a file named as a folder, a path under a file: ConfigError naming --reporter KIND=PATH', () => {
    writeFileSync(join(dir, 'plain'), 'x');
    const message = (list: string): string => (thrown(() => checkReporterOutputs(parseReporterList(list, dir))) as Error).message;
    expect(message(`junit=${dir}`)).toBe(`--reporter junit=${dir}: ${dir} is a folder; name a file`);
    expect(message(`tap=${dir}`)).toBe(`--reporter tap=${dir}: ${dir} is a folder; name a file`);
    expect(message(`pcap=${join(dir, 'plain')}`)).toBe(`--reporter pcap=${join(dir, 'plain')}: ${join(dir, 'plain')} is a file; name a folder`);
    expect(message(`events=${join(dir, 'plain', 'sub', 'e.jsonl')}`)).toBe(
      `--reporter events=${join(dir, 'plain', 'sub', 'e.jsonl')}: cannot use ${join(dir, 'plain', 'sub', 'e.jsonl')}: a part of the path is not a folder (ENOTDIR)`,
    );
    expectConfigError(() => checkReporterOutputs(parseReporterList(`html=${dir}`, dir)), { where: `--reporter html=${dir}`, code: 'file' });
    // A --reports that is a file is that option's fault, not the default JUnit file's.
    const plain = join(dir, 'plain');
    expect((thrown(() => checkReporterOutputs(parseReporterList('junit', plain), plain)) as Error).message).toBe(`--reports ${plain}: ${plain} is a file; name a folder`);
    // Files and folders still to be made, and standard output, are fine; nothing is created.
    checkReporterOutputs(parseReporterList(`junit=${join(dir, 'new', 'j.xml')},events=-,tap,pcap`, dir));
    expect(readdirSync(dir)).toEqual(['plain']);
  });

  test('a tap file that cannot be opened when the reporters are made is a ConfigError naming --reporter tap=FILE', () => {
    const env = { stdout: new Collector(), stderr: new Collector() };
    expectConfigError(() => createReporters([{ kind: 'tap', outputFile: dir }], env), { where: `--reporter tap=${dir}`, code: 'file' });
    expect((thrown(() => createReporters([{ kind: 'tap', outputFile: dir }], env)) as Error).message).toBe(`--reporter tap=${dir}: ${dir} is a folder; name a file`);
  });
});
