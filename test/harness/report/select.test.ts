import { EventLogReporter } from '../../../harness/report/event-log.js';
import { JUnitReporter } from '../../../harness/report/junit.js';
import { ProgressReporter } from '../../../harness/report/progress.js';
import { createReporters, parseReporterList } from '../../../harness/report/select.js';
import { TapReporter } from '../../../harness/report/tap.js';
import { expectConfigError } from '../../support/errors.js';
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
  expect(silent.map((r) => r.constructor)).toEqual([ProgressReporter, JUnitReporter, EventLogReporter]);
  expect((silent[0] as unknown as { stream: unknown }).stream).toBe(env.stderr);
});
