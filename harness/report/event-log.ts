import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { ConsoleLineEvent, FrameEvent, NmsChangeEvent, PowerEvent } from '../model/observations.js';
import type { Attachment, RunInfo, RunNote, RunSummary, StepRecord, TestCase, TestResult } from '../model/run-model.js';
import { EVENT_LOG_FORMAT, EVENT_LOG_VERSION, type EventLogHeader, type RunEvent } from './events.js';
import type { HarnessError, Reporter, StepStart } from '../model/reporter.js';

export interface EventLogOptions {
  outputFile: string;
  /** Write the lines here instead of the file (`--reporter events=-`: stdout). */
  stream?: Writable;
}

/**
 * Writes every event as one JSON line, appended as it happens: a killed shard leaves every event but
 * perhaps a torn last line, which the merge ignores. `hil merge` replays these files into any reporter.
 * Attachment paths are written relative to the log's folder (format version 2).
 */
export class EventLogReporter implements Reporter {
  readonly name = 'events';
  private fd: number | undefined;
  private readonly base: string;

  constructor(private readonly options: EventLogOptions) {
    this.base = dirname(resolve(options.outputFile));
  }

  onBegin(info: RunInfo): void {
    if (!this.options.stream) {
      mkdirSync(dirname(this.options.outputFile), { recursive: true });
      this.fd = openSync(this.options.outputFile, 'w');
    }
    const header: EventLogHeader = { type: 'header', format: EVENT_LOG_FORMAT, version: EVENT_LOG_VERSION };
    this.line(header);
    this.event({ type: 'begin', info });
  }
  onTestBegin(test: TestCase, attempt: { retry: number; startTime: number }): void {
    this.event({ type: 'testBegin', testId: test.id, attempt });
  }
  onStepBegin(test: TestCase, step: StepStart): void {
    this.event({ type: 'stepBegin', testId: test.id, step });
  }
  onStepEnd(test: TestCase, step: StepRecord): void {
    this.event({ type: 'stepEnd', testId: test.id, step: { ...step, attachments: this.relative(step.attachments) } });
  }
  onTestEnd(test: TestCase, result: TestResult): void {
    const steps = result.steps.map((s) => ({ ...s, attachments: this.relative(s.attachments) }));
    this.event({ type: 'testEnd', testId: test.id, result: { ...result, steps, attachments: this.relative(result.attachments) } });
  }
  onFrame(frame: FrameEvent): void {
    this.event({ type: 'frame', frame });
  }
  onConsoleLine(line: ConsoleLineEvent): void {
    this.event({ type: 'console', line });
  }
  onPower(action: PowerEvent): void {
    this.event({ type: 'power', action });
  }
  onNmsChange(change: NmsChangeEvent): void {
    this.event({ type: 'nms', change });
  }
  onError(error: HarnessError): void {
    this.event({ type: 'error', error });
  }
  onNote(note: RunNote): void {
    this.event({ type: 'note', note });
  }
  onEnd(summary: RunSummary): void {
    this.event({ type: 'end', summary });
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private relative(list: readonly Attachment[]): Attachment[] {
    return list.map((a) => ({ ...a, path: relative(this.base, resolve(a.path)) }));
  }

  private event(e: RunEvent): void {
    this.line(e);
  }

  private line(value: unknown): void {
    if (this.options.stream) {
      this.options.stream.write(`${JSON.stringify(value)}\n`);
      return;
    }
    if (this.fd === undefined) return;
    // One write per line: with O_APPEND semantics not needed (single writer), a kill can tear only the last.
    writeSync(this.fd, `${JSON.stringify(value)}\n`);
  }
}
