import type { Writable } from 'node:stream';
import { createLogUpdate } from 'log-update';
import { formatDuration } from '../../core/duration.js';
import type { RunInfo, RunSummary, TestCase, TestResult, RunNote } from '../model/run-model.js';
import type { HarnessError, Reporter, StepStart } from '../model/reporter.js';
import { lineSafe } from './sanitize.js';
import { paint, type Paint } from './terminal.js';
import { PCAP_TYPE } from './attachment-paths.js';

export interface ReportFile {
  /** "JUnit", "HTML", "bundle" … */
  label: string;
  path: string;
}

export interface ProgressOptions {
  stream?: Writable & { isTTY?: boolean; columns?: number };
  /** Defaults to the stream's own isTTY. */
  tty?: boolean;
  /** Decided by the caller (terminal.ts colourWanted); default off. */
  colour?: boolean;
  /** Named in the closing block. */
  reports?: readonly ReportFile[];
  now?: () => number;
}

interface FailureLine {
  title: string;
  reason: string;
  pcap?: string;
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
 * redrawn in place with log-update, with every finished test printed above it (passes dimmed and
 * cut to the terminal width); elsewhere (CI logs, pipes) one plain line per finished test.
 * The run ends with a closing block: each failure with its one-line reason and pcap, the report
 * files, and the summary line last.
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
  private readonly paint: Paint;
  private readonly reports: readonly ReportFile[];
  private readonly failures: FailureLine[] = [];

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? this.stream.isTTY === true;
    this.now = options.now ?? Date.now;
    this.paint = paint(options.colour ?? false);
    this.reports = options.reports ?? [];
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
    const p = this.paint;
    const head = `${test.device.name.padEnd(this.width)}  ${test.suite.name} › ${test.name}`;
    if (result.status === 'skipped') {
      if (!this.tty) this.print(`${MARK.skipped} ${head}  skipped: ${result.skipReason ?? ''}`);
    } else if (result.status === 'passed') {
      const line = `${MARK.passed} ${head}  ${formatDuration(result.duration)}${flaky}`;
      // On a terminal a pass is one dimmed line that never wraps; the failures stand out.
      if (this.tty) this.print(p.dim(lineSafe(line).slice(0, this.columns())), true);
      else this.print(`${p.green(MARK.passed)}${line.slice(MARK.passed.length)}`);
    } else {
      const reason = result.failure?.message ?? result.status;
      this.print(`${p.red(MARK[result.status])} ${head}  ${formatDuration(result.duration)}  ${reason}`);
      const pcap = result.attachments.find((a) => a.contentType === PCAP_TYPE)?.path;
      this.failures.push({ title: test.title, reason, ...(pcap !== undefined ? { pcap } : {}) });
    }
    this.draw();
  }

  onError(error: HarnessError): void {
    this.print(`! ${error.message}`);
  }

  onNote(note: RunNote): void {
    this.print(`note: ${note.message}`);
  }

  onEnd(summary: RunSummary): void {
    if (this.ticker) clearInterval(this.ticker);
    this.draw();
    this.live?.done();
    this.live = undefined;
    const p = this.paint;
    const c = summary.counts;
    const parts = [`${c.passed} passed`, `${c.failed} failed`];
    if (c.error) parts.push(`${c.error} errors`);
    if (c.flaky) parts.push(`${c.flaky} flaky`);
    if (c.skipped) parts.push(`${c.skipped} skipped`);
    if (c.interrupted) parts.push(`${c.interrupted} interrupted`);
    const tail = summary.message ? ` — ${summary.message}` : '';
    const lines: string[] = [];
    if (this.failures.length) {
      lines.push('', p.bold(`${this.failures.length === 1 ? 'failure' : `${this.failures.length} failures`}:`));
      for (const f of this.failures) {
        lines.push(`  ${p.red('✗')} ${lineSafe(f.title)}`, `      ${lineSafe(oneLine(f.reason))}`);
        if (f.pcap !== undefined) lines.push(`      pcap: ${lineSafe(f.pcap)}`);
      }
    }
    if (this.reports.length) {
      const w = Math.max(...this.reports.map((r) => r.label.length));
      lines.push('', p.bold('reports:'), ...this.reports.map((r) => `  ${r.label.padEnd(w)}  ${lineSafe(r.path)}`));
    }
    if (lines.length) lines.push('');
    const colour = summary.status === 'passed' ? p.green : p.red;
    lines.push(`${colour(`${summary.status}:`)} ${parts.join(', ')} in ${formatDuration(summary.duration)}${tail}`);
    this.stream.write(`${lines.join('\n')}\n`);
  }

  /** The live area, one line per device, cut to the terminal width so a line never wraps. */
  frame(): string {
    const columns = this.columns();
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

  private columns(): number {
    return Math.max(20, (this.stream.columns ?? 80) - 1);
  }

  private draw(): void {
    this.live?.(this.frame());
  }

  /** `safe`: already made safe (and perhaps coloured) by the caller. */
  private print(line: string, safe = false): void {
    const text = safe ? line : lineSafeKeepingColour(line);
    if (this.live) this.live.persist(text);
    else this.stream.write(`${text}\n`);
  }
}

/** The first line of a message, cut to a readable length: the full text is in the reports. */
function oneLine(text: string): string {
  const first = text.split('\n')[0] ?? '';
  return first.length > 240 ? `${first.slice(0, 239)}…` : first;
}

// Our own colour codes survive; anything else a device said is made visible by lineSafe.
const OWN_SGR = /\x1b\[(?:3[129]|2|22|1)m/g;
function lineSafeKeepingColour(line: string): string {
  const parts = line.split(OWN_SGR);
  const codes = line.match(OWN_SGR) ?? [];
  return parts.map((part, i) => lineSafe(part) + (codes[i] ?? '')).join('');
}
