import { mkdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { systemReason } from '../../core/atomic-write.js';
import { RecordFile, type RecordIo } from '../../core/append-record.js';
import type { ConsoleLineEvent, FrameEvent, NmsChangeEvent, PowerEvent } from '../model/observations.js';
import type { Attachment, RunInfo, RunNote, RunSummary, StepRecord, TestCase, TestResult } from '../model/run-model.js';
import { EVENT_LOG_FORMAT, EVENT_LOG_VERSION, type EventLogHeader, type RunEvent } from './events.js';
import type { HarnessError, Reporter, StepStart } from '../model/reporter.js';

export interface EventLogOptions {
  outputFile: string;
  /** Write the lines here instead of the file (`--reporter events=-`: stdout). */
  stream?: Writable;
  /** The system calls (tests play a full disk with them). */
  io?: RecordIo;
}

/**
 * Writes every event as one JSON line, appended as it happens: a killed shard leaves every event but
 * perhaps a torn last line, which the merge ignores. `hil merge` replays these files into any reporter.
 * Attachment paths are written relative to the log's folder (format version 2).
 * A line the disk refuses is not in the file at all (RecordFile), the write error goes to the run's
 * recording guard (exit 4), and the first line written after it is an error event saying how many
 * events the log lacks, so a merge of this log shows the gap instead of a complete-looking run.
 */
export class EventLogReporter implements Reporter {
  readonly name = 'events';
  private file: RecordFile | undefined;
  private readonly base: string;
  /** Events the disk refused since the last line written, and why. */
  private lost: { events: number; why: string } | undefined;

  constructor(private readonly options: EventLogOptions) {
    this.base = dirname(resolve(options.outputFile));
  }

  onBegin(info: RunInfo): void {
    if (!this.options.stream) {
      mkdirSync(dirname(this.options.outputFile), { recursive: true });
      this.file = new RecordFile(this.options.outputFile, 'w', this.options.io);
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
    try {
      this.event({ type: 'end', summary });
    } finally {
      this.file?.close();
      this.file = undefined;
    }
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
    if (this.file === undefined) return;
    try {
      if (this.lost) {
        const { events, why } = this.lost;
        const gap: RunEvent = { type: 'error', error: { message: `${this.options.outputFile}: ${events} event${events === 1 ? '' : 's'} of this run could not be written (${why}); this log lacks them` }, lost: events };
        this.file.append(`${JSON.stringify(gap)}\n`);
        this.lost = undefined;
      }
      this.file.append(`${JSON.stringify(value)}\n`);
    } catch (e) {
      this.lost = { events: (this.lost?.events ?? 0) + 1, why: systemReason(e) };
      throw e;
    }
  }
}
