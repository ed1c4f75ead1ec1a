import type { Reporter, StepStart } from '../../../../harness/model/reporter.js';
import type { RunInfo, RunSummary, StepRecord, TestCase, TestResult } from '../../../../harness/model/run-model.js';

/** Keeps every event; `ended(n)` resolves once n onTestEnd calls arrived. */
export class RecordingReporter implements Reporter {
  readonly name = 'recording';
  info?: RunInfo;
  summary?: RunSummary;
  readonly log: string[] = [];
  readonly results: { test: TestCase; result: TestResult }[] = [];
  readonly errors: string[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];

  onBegin(info: RunInfo): void {
    this.info = info;
    this.log.push(`begin ${info.tests.length}`);
  }
  onTestBegin(test: TestCase, attempt: { retry: number }): void {
    this.log.push(`testBegin ${test.title} #${attempt.retry}`);
  }
  onStepBegin(test: TestCase, step: StepStart): void {
    this.log.push(`stepBegin ${test.device.name} ${step.phase} ${step.index}/${step.of} ${step.text}`);
  }
  onStepEnd(test: TestCase, step: StepRecord): void {
    this.log.push(`stepEnd ${test.device.name} ${step.phase} ${step.index} ${step.status}`);
  }
  onTestEnd(test: TestCase, result: TestResult): void {
    this.results.push({ test, result });
    this.log.push(`testEnd ${test.title} ${result.status}${result.willRetry ? ' (will retry)' : ''}`);
    this.waiters = this.waiters.filter((w) => (this.results.length >= w.n ? (w.resolve(), false) : true));
  }
  onError(error: { message: string }): void {
    this.errors.push(error.message);
  }
  onEnd(summary: RunSummary): void {
    this.summary = summary;
    this.log.push(`end ${summary.status}`);
  }
  ended(n: number): Promise<void> {
    if (this.results.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
  final(title: string): TestResult {
    const all = this.results.filter((r) => r.test.title === title);
    if (!all.length) throw new Error(`no result for ${title}`);
    return all[all.length - 1]!.result;
  }
}
