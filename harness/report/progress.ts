import type { Writable } from 'node:stream';
import { createLogUpdate } from 'log-update';
import { formatDuration } from '../../core/duration.js';
import type { RunInfo, RunSummary, TestCase, TestResult } from '../model/run-model.js';
import type { HarnessError, Reporter, StepStart } from '../model/reporter.js';
import { lineSafe } from './sanitize.js';

export interface ProgressOptions {
  stream?: Writable & { isTTY?: boolean; columns?: number };
  /** Defaults to the stream's own isTTY. */
  tty?: boolean;
  now?: () => number;
}

interface DeviceLine {
  total: number;
  done: number;
  failed: number;
  current?: { title: string; retry: number; since: number; step?: string };
}

const MARK: Record<TestResult['status'], string> = { passed: '✓', failed: '✗', error: '!', skipped: '↷', interrupted: '■' };

/**
 * Live progress for a person watching: on a TTY one line per device (current test, step, elapsed),
 * redrawn in place with log-update; elsewhere (CI logs, pipes) one plain line per finished test.
 * Failures are always printed as permanent lines so they survive the live area.
 */
export class ProgressReporter implements Reporter {
  readonly name = 'progress';
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly devices = new Map<string, DeviceLine>();
  private live: ReturnType<typeof createLogUpdate> | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private width = 8;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? this.stream.isTTY === true;
    this.now = options.now ?? Date.now;
  }

  onBegin(info: RunInfo): void {
    for (const t of info.tests) {
      const d = this.devices.get(t.device.name) ?? { total: 0, done: 0, failed: 0 };
      d.total++;
      this.devices.set(t.device.name, d);
    }
    this.width = Math.max(8, ...[...this.devices.keys()].map((n) => n.length));
    if (this.tty) {
      // showCursor: a run killed mid-draw must not leave the terminal without a cursor.
      this.live = createLogUpdate(this.stream as NodeJS.WriteStream, { showCursor: true });
      this.ticker = setInterval(() => this.draw(), 1000);
      this.ticker.unref();
      this.draw();
    } else {
      this.print(`running ${info.tests.length} tests on ${this.devices.size} devices of rig ${info.rig.name}`);
    }
  }

  onTestBegin(test: TestCase, attempt: { retry: number }): void {
    const d = this.devices.get(test.device.name);
    if (!d) return;
    d.current = { title: `${test.suite.name} › ${test.name}`, retry: attempt.retry, since: this.now() };
    this.draw();
  }

  onStepBegin(test: TestCase, step: StepStart): void {
    const cur = this.devices.get(test.device.name)?.current;
    if (!cur) return;
    const where = step.phase === 'session' ? 'session' : step.phase === 'test' ? 'step' : `${step.phase}`;
    cur.step = `${where} ${step.index}/${step.of} ${step.text}`;
    this.draw();
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.willRetry) return;
    const d = this.devices.get(test.device.name);
    if (d) {
      d.done++;
      if (result.status !== 'passed' && result.status !== 'skipped') d.failed++;
      delete d.current;
    }
    const flaky = result.status === 'passed' && result.retry > 0 ? ' (flaky)' : '';
    const head = `${MARK[result.status]} ${test.device.name.padEnd(this.width)}  ${test.suite.name} › ${test.name}`;
    if (result.status === 'skipped') {
      if (!this.tty) this.print(`${head}  skipped: ${result.skipReason ?? ''}`);
    } else if (result.status === 'passed') {
      if (!this.tty) this.print(`${head}  ${formatDuration(result.duration)}${flaky}`);
    } else {
      this.print(`${head}  ${formatDuration(result.duration)}  ${result.failure?.message ?? result.status}`);
    }
    this.draw();
  }

  onError(error: HarnessError): void {
    this.print(`! ${error.message}`);
  }

  onEnd(summary: RunSummary): void {
    if (this.ticker) clearInterval(this.ticker);
    this.draw();
    this.live?.done();
    this.live = undefined;
    const c = summary.counts;
    const parts = [`${c.passed} passed`, `${c.failed} failed`];
    if (c.error) parts.push(`${c.error} errors`);
    if (c.flaky) parts.push(`${c.flaky} flaky`);
    if (c.skipped) parts.push(`${c.skipped} skipped`);
    if (c.interrupted) parts.push(`${c.interrupted} interrupted`);
    const tail = summary.message ? ` — ${summary.message}` : '';
    this.stream.write(`${summary.status}: ${parts.join(', ')} in ${formatDuration(summary.duration)}${tail}\n`);
  }

  /** The live area, one line per device, cut to the terminal width so a line never wraps. */
  frame(): string {
    const columns = Math.max(20, (this.stream.columns ?? 80) - 1);
    const now = this.now();
    return [...this.devices]
      .map(([name, d]) => {
        const counts = `[${d.done}/${d.total}${d.failed ? ` ✗${d.failed}` : ''}]`;
        const cur = d.current;
        const what = cur
          ? `▶ ${cur.title}${cur.retry ? ` (retry ${cur.retry})` : ''}${cur.step ? `  ${cur.step}` : ''}  ${formatDuration(Math.max(0, now - cur.since))}`
          : d.done === d.total
            ? 'done'
            : 'waiting';
        return lineSafe(`${name.padEnd(this.width)} ${counts.padEnd(10)} ${what}`).slice(0, columns);
      })
      .join('\n');
  }

  private draw(): void {
    this.live?.(this.frame());
  }

  private print(line: string): void {
    if (this.live) this.live.persist(lineSafe(line));
    else this.stream.write(`${lineSafe(line)}\n`);
  }
}
