import type { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { formatDuration } from '../../core/duration.js';
import type { RunInfo, RunSummary, TestCase, TestResult } from '../model/run-model.js';
import type { HarnessError, Reporter } from '../model/reporter.js';
import { lineSafe } from './sanitize.js';

export interface TapOptions {
  /** Where the TAP goes (stdout by default, or a file: report/sync-file-stream.ts). */
  stream?: Pick<Writable, 'write'>;
}

/**
 * Flat TAP 13 (tap-spec and most consumers choke on nested subtests): one line per test after its
 * last attempt, a YAML block with expected/seen/cause/fix under failures, `# SKIP reason` for skips.
 * A run the harness could not start ends with `Bail out!`.
 *
 * A test the run never reached because it stopped (a signal, --bail) is `not ok` with status
 * "not run", not `ok # SKIP`: TAP consumers count a skip as a pass (tap-spec says "passing" and
 * exits 0, and ignores Bail out!), and a run stopped before its tests proved nothing about them.
 */
export class TapReporter implements Reporter {
  readonly name = 'tap';
  private readonly stream: Pick<Writable, 'write'>;
  private n = 0;
  private group: string | undefined;

  constructor(options: TapOptions = {}) {
    this.stream = options.stream ?? process.stdout;
  }

  onBegin(info: RunInfo): void {
    this.out(['TAP version 13', `1..${info.tests.length}`]);
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.willRetry) return;
    this.n++;
    // tap-spec groups assertions under the preceding comment and crashes on a failure with none;
    // a comment per suite-and-device run of lines reads well in every consumer.
    const group = `${test.suite.name} @ ${test.device.name}`;
    if (group !== this.group) this.out([`# ${lineSafe(group)}`]);
    this.group = group;
    // '#' would start a directive inside the description (TAP 13).
    const title = lineSafe(test.title).replace(/#/g, '\\#');
    if (result.status === 'skipped' && !result.stopped) {
      this.out([`ok ${this.n} - ${title} # SKIP ${lineSafe(result.skipReason ?? '')}`]);
      return;
    }
    if (result.status === 'skipped') {
      const diag = stringify({ status: 'not run', message: result.skipReason ?? 'not run: the run stopped' }, { lineWidth: 0 }).trimEnd().split('\n');
      this.out([`not ok ${this.n} - ${title}`, '  ---', ...diag.map((l) => `  ${l}`), '  ...']);
      return;
    }
    const ok = result.status === 'passed';
    const lines = [`${ok ? 'ok' : 'not ok'} ${this.n} - ${title}`];
    const diag: Record<string, unknown> = {};
    if (!ok) diag.status = result.status;
    if (result.retry > 0) diag.attempts = result.retry + 1;
    if (ok && result.retry > 0) diag.flaky = true;
    const f = result.failure;
    if (f) {
      diag.kind = f.kind;
      diag.message = f.message;
      if (f.expected !== undefined) diag.expected = f.expected;
      if (f.seen !== undefined) diag.seen = f.seen;
      if (f.likelyCause !== undefined) diag.cause = f.likelyCause;
      if (f.fix !== undefined) diag.fix = f.fix;
      if (f.crash !== undefined) diag.crash = f.crash;
      if (f.input?.length) diag.input = f.input;
      // Not `at`: tap-out parses that key as a tape stack frame and tap-spec crashes on anything else.
      if (f.step?.where) diag.where = f.step.where;
    }
    if (Object.keys(diag).length) {
      diag.duration = formatDuration(result.duration);
      const yaml = stringify(diag, { lineWidth: 0 }).trimEnd().split('\n');
      lines.push('  ---', ...yaml.map((l) => `  ${l}`), '  ...');
    }
    this.out(lines);
  }

  onError(error: HarnessError): void {
    this.out([`# harness error: ${lineSafe(error.message)}`]);
  }

  onEnd(summary: RunSummary): void {
    if (summary.status === 'error') this.out([`Bail out! ${lineSafe(summary.message ?? 'the harness could not run')}`]);
    const c = summary.counts;
    this.out([`# pass ${c.passed + c.flaky}`, `# fail ${c.failed + c.error + c.interrupted}`, `# skip ${c.skipped}`]);
  }

  private out(lines: string[]): void {
    this.stream.write(`${lines.join('\n')}\n`);
  }
}
