import type { ConsoleLineEvent, FrameEvent, NmsChangeEvent, PowerEvent } from './observations.js';
import type { RunInfo, RunNote, RunSummary, StepRecord, TestCase, TestResult } from './run-model.js';
import type { HarnessError, Reporter, StepStart } from './reporter.js';

type Log = (line: string) => void;

/**
 * Fans every event out to each reporter and contains their failures: a reporter that throws (or
 * rejects) is logged and the others, and the run, carry on. A JUnit writer hitting a full disk must
 * not take the TAP stream or the devices down with it.
 */
export class Multiplexer implements Reporter {
  readonly name = 'multiplexer';
  private readonly reporters: Reporter[];

  constructor(
    reporters: readonly Reporter[],
    private readonly log: Log = (line) => process.stderr.write(`${line}\n`),
  ) {
    this.reporters = [...reporters];
  }

  onBegin(info: RunInfo): void {
    this.each('onBegin', (r) => r.onBegin?.(info));
  }
  onTestBegin(test: TestCase, attempt: { retry: number; startTime: number }): void {
    this.each('onTestBegin', (r) => r.onTestBegin?.(test, attempt));
  }
  onStepBegin(test: TestCase, step: StepStart): void {
    this.each('onStepBegin', (r) => r.onStepBegin?.(test, step));
  }
  onStepEnd(test: TestCase, step: StepRecord): void {
    this.each('onStepEnd', (r) => r.onStepEnd?.(test, step));
  }
  onTestEnd(test: TestCase, result: TestResult): void {
    this.each('onTestEnd', (r) => r.onTestEnd?.(test, result));
  }
  onFrame(frame: FrameEvent): void {
    this.each('onFrame', (r) => r.onFrame?.(frame));
  }
  onConsoleLine(line: ConsoleLineEvent): void {
    this.each('onConsoleLine', (r) => r.onConsoleLine?.(line));
  }
  onPower(action: PowerEvent): void {
    this.each('onPower', (r) => r.onPower?.(action));
  }
  onNmsChange(change: NmsChangeEvent): void {
    this.each('onNmsChange', (r) => r.onNmsChange?.(change));
  }
  onError(error: HarnessError): void {
    this.each('onError', (r) => r.onError?.(error));
  }
  onNote(note: RunNote): void {
    this.each('onNote', (r) => r.onNote?.(note));
  }
  async onEnd(summary: RunSummary): Promise<void> {
    for (const r of this.reporters) {
      try {
        await r.onEnd?.(summary);
      } catch (e) {
        this.report(r, 'onEnd', e);
      }
    }
  }

  private each(event: string, call: (r: Reporter) => unknown): void {
    for (const r of this.reporters) {
      try {
        const ret = call(r);
        // A listener that went async anyway: its rejection must not become an unhandled one.
        if (ret && typeof (ret as Promise<unknown>).catch === 'function') (ret as Promise<unknown>).catch((e) => this.report(r, event, e));
      } catch (e) {
        this.report(r, event, e);
      }
    }
  }

  private report(r: Reporter, event: string, e: unknown): void {
    const what = e instanceof Error ? (e.stack ?? e.message) : String(e);
    try {
      this.log(`reporter ${r.name ?? r.constructor.name} failed in ${event}: ${what}`);
    } catch {
      // Nowhere left to say it; the run still goes on.
    }
  }
}
