import type { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import { systemReason } from '../../core/atomic-write.js';
import { stringify } from 'yaml';
import { formatDuration } from '../../core/duration.js';
import type { RunInfo, RunSummary, TestCase, TestResult } from '../model/run-model.js';
import type { HarnessError, Reporter } from '../model/reporter.js';
import { lineSafe } from './sanitize.js';

export interface TapOptions {
  /** Where the TAP goes (stdout by default, or a file: report/sync-file-stream.ts, whose writeLast gets the loss marker in on a full disk). */
  stream?: Pick<Writable, 'write'> & { writeLast?(text: string): string[] };
  /** The process, whose 'exit' a forced stop goes through: TAP then ends with a loss marker. */
  exits?: Pick<EventEmitter, 'once' | 'off'>;
}

/**
 * Flat TAP 13 (tap-spec and most consumers choke on nested subtests): one line per test after its
 * last attempt, a YAML block with expected/seen/cause/fix under failures, `# SKIP reason` for skips.
 * A run the harness could not start ends with `Bail out!`.
 *
 * A test the run never reached because it stopped (a signal, --bail) is `not ok` with status
 * "not run", not `ok # SKIP`: TAP consumers count a skip as a pass (tap-spec says "passing" and
 * exits 0, and ignores Bail out!), and a run stopped before its tests proved nothing about them.
 *
 * The plan comes last (`1..N`, TAP 13 allows it), once every line before it is written, so it
 * never counts a test that is not in the output. When lines cannot be written (a full disk), no
 * more are attempted and the output ends with a `Bail out!` saying results were lost, and no plan:
 * every consumer fails it (tap-spec, which ignores Bail out!, fails a TAP without a plan). A
 * forced exit (the third signal) ends it the same way.
 */
export class TapReporter implements Reporter {
  readonly name = 'tap';
  private readonly stream: NonNullable<TapOptions['stream']>;
  private readonly exits: TapOptions['exits'];
  private n = 0;
  private group: string | undefined;
  /** Why a write failed; from then on nothing but the loss marker is written. */
  private lost: string | undefined;
  private ended = false;

  constructor(options: TapOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    this.exits = options.exits;
  }

  onBegin(_info: RunInfo): void {
    this.exits?.once('exit', this.onExit);
    this.out(['TAP version 13']);
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.willRetry) return;
    this.n++;
    // tap-spec groups assertions under the preceding comment and crashes on a failure with none;
    // a comment per suite-and-device run of lines reads well in every consumer.
    const group = `${test.suite.name} @ ${test.device.name}`;
    const heading = group !== this.group ? [`# ${lineSafe(group)}`] : [];
    this.group = group;
    // '#' would start a directive inside the description (TAP 13).
    const title = lineSafe(test.title).replace(/#/g, '\\#');
    if (result.status === 'skipped' && !result.stopped) {
      this.out([...heading, `ok ${this.n} - ${title} # SKIP ${lineSafe(result.skipReason ?? '')}`]);
      return;
    }
    if (result.status === 'skipped') {
      const diag = stringify({ status: 'not run', message: result.skipReason ?? 'not run: the run stopped' }, { lineWidth: 0 }).trimEnd().split('\n');
      this.out([...heading, `not ok ${this.n} - ${title}`, '  ---', ...diag.map((l) => `  ${l}`), '  ...']);
      return;
    }
    const ok = result.status === 'passed';
    const lines = [...heading, `${ok ? 'ok' : 'not ok'} ${this.n} - ${title}`];
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
    this.ended = true;
    this.exits?.off('exit', this.onExit);
    const c = summary.counts;
    this.out([
      ...(summary.status === 'error' ? [`Bail out! ${lineSafe(summary.message ?? 'the harness could not run')}`] : []),
      `# pass ${c.passed + c.flaky}`,
      `# fail ${c.failed + c.error + c.interrupted}`,
      `# skip ${c.skipped}`,
      `1..${this.n}`,
    ]);
  }

  /** Whole lines or none; after a failed write only the loss marker is attempted. */
  private out(lines: string[]): void {
    if (this.lost !== undefined) {
      if (this.ended) this.markLoss(`TAP output lost: results could not be written (${this.lost}); this output is incomplete`);
      return;
    }
    try {
      this.stream.write(`${lines.join('\n')}\n`);
    } catch (e) {
      this.lost = systemReason(e);
      if (this.ended) this.markLoss(`TAP output lost: results could not be written (${this.lost}); this output is incomplete`);
      // The run's recording guard counts it (exit 4).
      throw e;
    }
  }

  private markLoss(reason: string): void {
    const marker = `Bail out! ${reason}\n`;
    try {
      if (this.stream.writeLast) this.stream.writeLast(marker);
      else this.stream.write(marker);
    } catch {
      // Not even the marker fits: the missing plan still fails the TAP in every consumer.
    }
  }

  private readonly onExit = (): void => {
    if (!this.ended) this.markLoss('the run was stopped before all its results were written');
  };
}
