import { hostname } from 'node:os';
import { create } from 'xmlbuilder2';
import type { RunInfo, RunSummary, TestCase, TestResult } from '../model/run-model.js';
import { writeFileAtomic } from '../../core/atomic-write.js';
import type { Reporter } from '../model/reporter.js';
import { xmlSafe } from './sanitize.js';
import { failureDetails, stepLog } from './step-log.js';

export interface JUnitOptions {
  outputFile: string;
}

type XMLBuilder = ReturnType<typeof create>;

interface SuiteGroup {
  name: string;
  tests: TestCase[];
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/**
 * JUnit XML for Jenkins/GitLab: one <testsuite> per suite per device ("clock-skew @ meter-1") with the
 * rig, device and firmware as properties. The whole file is rewritten atomically after every test,
 * so a run killed at any moment leaves a valid report of what finished. Validated against the
 * Jenkins junit-4 XSD, which is why a skip reason is the text of <skipped> (the XSD allows no
 * attribute there; Jenkins reads the text).
 */
export class JUnitReporter implements Reporter {
  readonly name = 'junit';
  private info: RunInfo | undefined;
  private readonly groups = new Map<string, SuiteGroup>();
  private readonly attempts = new Map<string, TestResult[]>();

  constructor(private readonly options: JUnitOptions) {}

  onBegin(info: RunInfo): void {
    this.info = info;
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
    if (!result.willRetry) this.write();
  }

  onEnd(_summary: RunSummary): void {
    this.write();
  }

  private finished(test: TestCase): TestResult[] | undefined {
    const list = this.attempts.get(test.id);
    return list && list.length && !list[list.length - 1]!.willRetry ? list : undefined;
  }

  /** Renders the current state; exposed for tests and for `hil merge`. */
  render(): string {
    const totals = { tests: 0, failures: 0, errors: 0, time: 0 };
    const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', { name: xmlSafe(this.info?.rig.name ?? 'csmp-hil') });
    let id = 0;
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
      totals.time += time;
      const first = group.tests[0]!;
      const suite = root.ele('testsuite', {
        name: xmlSafe(group.name),
        tests: String(stats.tests),
        failures: String(stats.failures),
        errors: String(stats.errors),
        skipped: String(stats.skipped),
        time: seconds(time),
        timestamp: new Date(Math.min(...finals.map((r) => r.startTime))).toISOString(),
        hostname: xmlSafe(hostname()),
        id: String(id++),
      });
      this.properties(suite, first);
      for (const [test, attempts] of done) this.testcase(suite, group.name, test, attempts);
    }
    root.att({ tests: String(totals.tests), failures: String(totals.failures), errors: String(totals.errors), time: seconds(totals.time) });
    return root.end({ prettyPrint: true });
  }

  private properties(suite: XMLBuilder, t: TestCase): void {
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
    ];
    const shard = this.info?.shard;
    if (shard) props.push(['shard', `${shard.index}/${shard.total}`]);
    const el = suite.ele('properties');
    for (const [name, value] of props) el.ele('property', { name, value: xmlSafe(value) });
  }

  private testcase(suite: XMLBuilder, className: string, test: TestCase, attempts: TestResult[]): void {
    const r = attempts[attempts.length - 1]!;
    const flaky = r.status === 'passed' && attempts.length > 1;
    const tc = suite.ele('testcase', {
      name: xmlSafe(test.name),
      classname: xmlSafe(className),
      time: seconds(r.duration),
      status: flaky ? 'flaky' : r.status,
    });
    const f = r.failure;
    if (r.status === 'skipped') tc.ele('skipped').txt(xmlSafe(r.skipReason ?? 'skipped'));
    if ((r.status === 'error' || r.status === 'interrupted') && f) {
      tc.ele('error', { message: xmlSafe(f.message), type: r.status === 'interrupted' ? 'interrupted' : f.kind }).txt(xmlSafe(f.stack ?? f.message));
    }
    if (r.status === 'failed' && f) {
      tc.ele('failure', { message: xmlSafe(f.message), type: f.kind }).txt(xmlSafe([f.message, ...failureDetails(f)].join('\n')));
    }

    const out: string[] = [];
    if (attempts.length > 1) {
      attempts.slice(0, -1).forEach((a) => out.push(`attempt ${a.retry + 1}: ${a.status}${a.failure ? `: ${a.failure.message}` : ''}`));
      out.push(`attempt ${r.retry + 1}: ${r.status}${flaky ? ' (flaky)' : ''}`, '');
    }
    out.push(...stepLog(r));
    // Jenkins' attachments plugin picks these up from system-out.
    for (const a of r.attachments) out.push(`[[ATTACHMENT|${a.path}]]`);
    // A text node, not CDATA: pretty printing would indent between CDATA pieces, and as text the
    // `>` of a device's `]]>` is escaped like any other markup.
    if (out.length) tc.ele('system-out').txt(xmlSafe(`${out.join('\n')}\n`));
  }

  private write(): void {
    writeFileAtomic(this.options.outputFile, this.render());
  }
}
