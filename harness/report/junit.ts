import { hostname } from 'node:os';
import { dirname, relative, resolve } from 'node:path';
import { create } from 'xmlbuilder2';
import type { Failure, RunInfo, RunNote, RunSummary, TestCase, TestResult } from '../model/run-model.js';
import { writeFileAtomic } from '../../core/atomic-write.js';
import type { HarnessError, Reporter } from '../model/reporter.js';
import { xmlSafe } from './sanitize.js';
import { failureDetails, stepLog } from './step-log.js';

/** What attachment paths in system-out are relative to: the JUnit file's folder (Jenkins), or the project root (GitLab). */
export type AttachmentBase = 'junit' | 'project';

export interface JUnitOptions {
  outputFile: string;
  /** Default 'junit'. */
  attachmentPaths?: AttachmentBase;
  /** The folder 'project' paths are relative to; default the working directory. */
  projectRoot?: string;
}

type XMLBuilder = ReturnType<typeof create>;

interface SuiteGroup {
  name: string;
  tests: TestCase[];
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

/**
 * JUnit XML for every consumer: one <testsuite> per suite per device ("clock-skew @ meter-1") with
 * the rig, device and firmware as properties, valid against both the Jenkins xUnit plugin's
 * junit-10.xsd and Surefire's test report schema (each <testsuite> on its own), so Jenkins (JUnit
 * and xUnit plugins), GitLab and Surefire-style tools all read it. That is why:
 * - a testcase has no status attribute, and its children come in Surefire's order;
 * - retries are Surefire's elements: a test that passed after failing gets a flakyFailure (or
 *   flakyError) per failed attempt; one that never passed has its last attempt as <failure> or
 *   <error> and each earlier one as rerunFailure/rerunError, each with its own step log;
 * - suite start time and host are properties (Surefire's schema has no such attributes);
 * - the root time is the run's wall time, not the sum of the suites, which run in parallel.
 * Attachments are `[[ATTACHMENT|path]]` lines in system-out (Jenkins attachments plugin, GitLab),
 * relative to the JUnit file's folder by default or to the project root for GitLab.
 * A run note about a device (a power cycle that brought it back before its first test, a lease taken
 * over) heads the system-out of that device's next test to end, or of its last one when none
 * follows: Surefire's schema has no suite-level output, and the note is evidence about those results.
 * The whole file is rewritten atomically after every test, so a run killed at any moment leaves a
 * valid report of what finished.
 *
 * The file never says "passed" for a run that did not finish recording: until onEnd, it carries an
 * <error> testcase "run completed and recorded" in a `csmp-hil` testsuite, so a run that was killed
 * or whose last write failed (disk full, read-only) leaves a red report, not the green one of the
 * tests that had finished. Harness errors (onError: results not recorded, a port lost) are
 * <error> testcases there too.
 */
export class JUnitReporter implements Reporter {
  readonly name = 'junit';
  private info: RunInfo | undefined;
  private readonly groups = new Map<string, SuiteGroup>();
  private readonly attempts = new Map<string, TestResult[]>();
  private lastEnd = 0;
  private readonly pathBase: string;
  private readonly runErrors: HarnessError[] = [];
  /** The run's end, once it came: until then the report says the run has not ended. */
  private endStatus: RunSummary | undefined;
  /** By device: notes no test of it has ended after yet. */
  private readonly pendingNotes = new Map<string, string[]>();
  /** By test id: the notes shown with it. */
  private readonly testNotes = new Map<string, string[]>();
  /** By device: the test of it that ended last, where notes with no later test are shown. */
  private readonly lastOfDevice = new Map<string, string>();

  constructor(private readonly options: JUnitOptions) {
    this.pathBase = options.attachmentPaths === 'project' ? resolve(options.projectRoot ?? process.cwd()) : dirname(resolve(options.outputFile));
  }

  onBegin(info: RunInfo): void {
    this.info = info;
    this.lastEnd = info.startTime;
    for (const t of info.tests) {
      const name = `${t.suite.name} @ ${t.device.name}`;
      const group = this.groups.get(name) ?? { name, tests: [] };
      group.tests.push(t);
      this.groups.set(name, group);
    }
    this.write();
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const list = this.attempts.get(test.id) ?? [];
    // A replayed log may repeat a test (a shard re-run); a new first attempt starts its history again.
    this.attempts.set(test.id, result.retry === 0 ? [result] : [...list, result]);
    this.lastEnd = Math.max(this.lastEnd, result.startTime + result.duration);
    const device = test.device.name;
    const notes = this.pendingNotes.get(device);
    if (notes) {
      this.testNotes.set(test.id, [...(this.testNotes.get(test.id) ?? []), ...notes]);
      this.pendingNotes.delete(device);
    }
    this.lastOfDevice.set(device, test.id);
    if (!result.willRetry) this.write();
  }

  onNote(note: RunNote): void {
    if (note.device === undefined) return;
    this.pendingNotes.set(note.device, [...(this.pendingNotes.get(note.device) ?? []), `note (${note.kind}): ${note.message}`]);
    this.write();
  }

  onError(error: HarnessError): void {
    this.runErrors.push(error);
    this.write();
  }

  onEnd(summary: RunSummary): void {
    this.endStatus = summary;
    this.write();
  }

  private finished(test: TestCase): TestResult[] | undefined {
    const list = this.attempts.get(test.id);
    return list && list.length && !list[list.length - 1]!.willRetry ? list : undefined;
  }

  /** Renders the current state; exposed for tests and for `hil merge`. */
  render(): string {
    const totals = { tests: 0, failures: 0, errors: 0 };
    const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', { name: xmlSafe(this.info?.rig.name ?? 'csmp-hil') });
    for (const group of this.groups.values()) {
      const done = group.tests.map((t) => [t, this.finished(t)] as const).filter((x): x is readonly [TestCase, TestResult[]] => !!x[1]);
      if (!done.length) continue;
      const finals = done.map(([, a]) => a[a.length - 1]!);
      const count = (pred: (r: TestResult) => boolean): number => finals.filter(pred).length;
      const time = finals.reduce((s, r) => s + r.duration, 0);
      const stats = {
        tests: finals.length,
        failures: count((r) => r.status === 'failed'),
        errors: count((r) => r.status === 'error' || r.status === 'interrupted'),
        skipped: count((r) => r.status === 'skipped'),
      };
      totals.tests += stats.tests;
      totals.failures += stats.failures;
      totals.errors += stats.errors;
      const suite = root.ele('testsuite', {
        name: xmlSafe(group.name),
        tests: String(stats.tests),
        failures: String(stats.failures),
        errors: String(stats.errors),
        skipped: String(stats.skipped),
        time: seconds(time),
      });
      this.properties(suite, group.tests[0]!, new Date(Math.min(...finals.map((r) => r.startTime))).toISOString());
      for (const [test, attempts] of done) this.testcase(suite, group.name, test, attempts);
    }
    const runCases = this.runCases();
    if (runCases.length) {
      const suite = root.ele('testsuite', {
        name: 'csmp-hil',
        tests: String(runCases.length),
        failures: '0',
        errors: String(runCases.length),
        skipped: '0',
        time: '0.000',
      });
      for (const c of runCases) suite.ele('testcase', { name: c.name, classname: 'csmp-hil', time: '0.000' }).ele('error', { message: xmlSafe(c.message), type: c.type }).txt(xmlSafe(c.message));
      totals.tests += runCases.length;
      totals.errors += runCases.length;
    }
    const wall = this.endStatus?.duration ?? this.lastEnd - (this.info?.startTime ?? this.lastEnd);
    root.att({ tests: String(totals.tests), failures: String(totals.failures), errors: String(totals.errors), time: seconds(wall) });
    return root.end({ prettyPrint: true });
  }

  /** The run's own verdicts: not ended yet, stopped early, harness errors. */
  private runCases(): { name: string; type: string; message: string }[] {
    const cases = this.runErrors.map((e, i) => ({ name: `harness error ${i + 1}`, type: 'harness', message: e.message }));
    const end = this.endStatus;
    // Tests a stopped run never reached are <skipped>, which every consumer counts as fine: the
    // run itself says it did not complete, or a run interrupted before its first test reads green.
    if (end?.status === 'interrupted') {
      const notRun = [...this.attempts.values()].filter((a) => a.at(-1)?.stopped).length;
      const why = end.message ?? 'run interrupted';
      const count = notRun ? `: ${notRun} test${notRun === 1 ? '' : 's'} not run` : '';
      cases.unshift({ name: 'run completed and recorded', type: 'interrupted', message: `the run was interrupted (${why})${count}` });
    } else if (end?.status === 'error' && !this.runErrors.length) {
      cases.push({ name: 'harness error 1', type: 'harness', message: end.message ?? 'the harness could not run' });
    }
    if (!end) {
      cases.unshift({
        name: 'run completed and recorded',
        type: 'incomplete',
        message: 'the run has not ended: it is still running, was killed, or could not write its last results',
      });
    }
    return cases;
  }

  private properties(suite: XMLBuilder, t: TestCase, timestamp: string): void {
    const props: [string, string][] = [
      ['rig', t.rig],
      ['suite', t.suite.name],
      ['branch', t.suite.branch],
      ['suite.file', t.suite.file],
      ['device', t.device.name],
      ['eui64', t.device.eui64],
      ['address', t.device.address],
      ['link', t.device.link],
      ['firmwareVersion', t.device.firmwareVersion],
      ['hwId', t.device.hwId],
      ['firmwareGroup', t.device.firmwareGroup],
      ['timestamp', timestamp],
      ['hostname', hostname()],
    ];
    const shard = this.info?.shard;
    if (shard) props.push(['shard', `${shard.index}/${shard.total}`]);
    const el = suite.ele('properties');
    for (const [name, value] of props) el.ele('property', { name, value: xmlSafe(value) });
  }

  private testcase(suite: XMLBuilder, className: string, test: TestCase, attempts: TestResult[]): void {
    const r = attempts[attempts.length - 1]!;
    const earlier = attempts.slice(0, -1).filter((a) => a.status !== 'passed' && a.status !== 'skipped');
    const flaky = r.status === 'passed' && attempts.length > 1;
    const tc = suite.ele('testcase', { name: xmlSafe(test.name), classname: xmlSafe(className), time: seconds(r.duration) });
    const f = r.failure;
    const isError = (a: TestResult): boolean => a.status === 'error' || a.status === 'interrupted';
    // Surefire's schema fixes the order: failure, rerunFailure*, flakyFailure*, skipped, error, rerunError*, flakyError*, system-out.
    // A crash verdict's class is the failure's type, as `hil fuzz` gives it: what a CI dashboard groups by.
    if (r.status === 'failed' && f) tc.ele('failure', { message: xmlSafe(f.message), type: f.crash ?? f.kind }).txt(xmlSafe(failureText(f)));
    if (!flaky) for (const a of earlier.filter((a) => !isError(a))) this.attempt(tc, 'rerunFailure', a);
    if (flaky) for (const a of earlier.filter((a) => !isError(a))) this.attempt(tc, 'flakyFailure', a);
    if (r.status === 'skipped') {
      const reason = xmlSafe(r.skipReason ?? 'skipped');
      tc.ele('skipped', { message: reason }).txt(reason);
    }
    if (isError(r) && f) tc.ele('error', { message: xmlSafe(f.message), type: r.status === 'interrupted' ? 'interrupted' : f.kind }).txt(xmlSafe(f.stack ?? f.message));
    if (!flaky) for (const a of earlier.filter(isError)) this.attempt(tc, 'rerunError', a);
    if (flaky) for (const a of earlier.filter(isError)) this.attempt(tc, 'flakyError', a);

    const out: string[] = [];
    const notes = [...(this.testNotes.get(test.id) ?? []), ...(this.lastOfDevice.get(test.device.name) === test.id ? (this.pendingNotes.get(test.device.name) ?? []) : [])];
    if (notes.length) out.push(...notes, '');
    if (attempts.length > 1) {
      attempts.slice(0, -1).forEach((a) => out.push(`attempt ${a.retry + 1}: ${a.status}${a.failure ? `: ${a.failure.message}` : ''}`));
      out.push(`attempt ${r.retry + 1}: ${r.status}${flaky ? ' (flaky)' : ''}`, '');
    }
    out.push(...stepLog(r));
    out.push(...this.attachmentLines(r));
    // A text node, not CDATA: pretty printing would indent between CDATA pieces, and as text the
    // `>` of a device's `]]>` is escaped like any other markup.
    if (out.length) tc.ele('system-out').txt(xmlSafe(`${out.join('\n')}\n`));
  }

  /** An earlier attempt as Surefire records a re-run: its failure, and its own step log and files. */
  private attempt(tc: XMLBuilder, element: 'rerunFailure' | 'rerunError' | 'flakyFailure' | 'flakyError', a: TestResult): void {
    const f = a.failure ?? { kind: 'error', message: a.status };
    const el = tc.ele(element, { message: xmlSafe(f.message), type: a.status === 'interrupted' ? 'interrupted' : f.kind });
    el.ele('stackTrace').txt(xmlSafe(f.stack ?? failureText(f)));
    const out = [`attempt ${a.retry + 1}: ${a.status}`, ...stepLog(a), ...this.attachmentLines(a)];
    el.ele('system-out').txt(xmlSafe(`${out.join('\n')}\n`));
  }

  // Jenkins' attachments plugin and GitLab pick these up from system-out.
  private attachmentLines(r: TestResult): string[] {
    return r.attachments.map((a) => `[[ATTACHMENT|${relative(this.pathBase, resolve(a.path))}]]`);
  }

  private write(): void {
    // A JUnit path CI bind-mounts cannot be renamed over: rewritten in place rather than lost.
    writeFileAtomic(this.options.outputFile, this.render(), { inPlaceFallback: true });
  }
}

function failureText(f: Failure): string {
  return [f.message, ...failureDetails(f)].join('\n');
}
