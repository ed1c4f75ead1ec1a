import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../../../core/atomic-write.js';
import type { ConsoleLineEvent, FrameEvent, NmsChangeEvent, PowerEvent } from '../../model/observations.js';
import type { HarnessError, Reporter } from '../../model/reporter.js';
import { outcomeOf, type RunInfo, type RunNote, type RunSummary, type TestCase, type TestResult } from '../../model/run-model.js';
import type { TrendRun } from '../../history/trend.js';
import { renderPage, type PageData, type TestRow } from './page.js';
import { attemptView, emptyObservations, type AttemptObservations, type TestView } from './test-view.js';

export interface HtmlOptions {
  outputFile: string;
  /** Earlier runs of the history store (harness/history/trend.ts), oldest first, for each test's trend. */
  history?: readonly TrendRun[];
  /**
   * Bytes of decoded frames (fields and hex) kept for tests that passed; past it, passing tests keep
   * one diagram row per frame and the pcap holds the bytes. Tests that did not pass always keep them.
   * Default 24 MiB.
   */
  detailBudget?: number;
  /** Frames per attempt kept with decoded fields and bytes; rows beyond it have a label only. Default 2000. */
  detailFrames?: number;
  /** Frames per attempt kept at all; beyond it they are counted. Default 20,000 (the pcap's cap). */
  maxFrames?: number;
  now?: () => number;
}

const key = (testId: string, retry: number): string => `${testId}#${retry}`;
/** A rewrite this slow (ms) means a big report: later ones are spaced. */
const SLOW_WRITE_MS = 50;

/**
 * Whether a rewrite is due at `now`, given when the last one ended and what it cost. A rewrite is
 * the whole file: once one takes long (a big run), they are spaced so that writing stays under a
 * tenth of the time. Small reports are rewritten after every test.
 */
export function writeDue(last: { at: number; cost: number }, now: number): boolean {
  return last.cost < SLOW_WRITE_MS || now - last.at >= last.cost * 9;
}

/**
 * One self-contained HTML file (no network: scripts, styles and data inline) that opens from
 * file:// and from a CI artifact: summary by device × suite, failures first with their evidence,
 * filters, and per test a CSMP sequence diagram and one timeline of steps, frames, console lines,
 * power actions and NMS changes. Each finished test's data is rendered to JSON once and kept as a
 * block the page parses only when the test is opened, so big runs stay quick to open.
 *
 * Rewritten atomically after every test, so an interrupted run leaves a readable report; once a
 * rewrite takes 50 ms or more (a big run), the next waits until nine times that has passed, so
 * writing stays under a tenth of the run (the run's end, interrupted or not, always writes).
 */
export class HtmlReporter implements Reporter {
  readonly name = 'html';
  private info: RunInfo | undefined;
  private summary: RunSummary | undefined;
  private readonly attempts = new Map<string, TestResult[]>();
  private readonly observed = new Map<string, AttemptObservations>();
  private readonly blocks = new Map<string, string>();
  private readonly errors: string[] = [];
  private readonly notes: string[] = [];
  private detailSpent = 0;
  private readonly htmlDir: string;
  private readonly now: () => number;
  private lastWrite = { at: -Infinity, cost: 0 };
  private dirty = false;

  constructor(private readonly options: HtmlOptions) {
    this.htmlDir = dirname(resolve(options.outputFile));
    this.now = options.now ?? Date.now;
  }

  onBegin(info: RunInfo): void {
    this.info = info;
    this.write(true);
  }

  onTestBegin(test: TestCase, attempt: { retry: number }): void {
    this.observed.set(key(test.id, attempt.retry), emptyObservations());
  }

  onFrame(frame: FrameEvent): void {
    const o = this.of(frame.testId, frame.retry);
    if (!o) return;
    if (o.frames.length >= (this.options.maxFrames ?? 20_000)) o.framesDropped++;
    else o.frames.push(frame);
  }
  onConsoleLine(line: ConsoleLineEvent): void {
    this.of(line.testId, line.retry)?.console.push(line);
  }
  onPower(action: PowerEvent): void {
    this.of(action.testId, action.retry)?.power.push(action);
  }
  onNmsChange(change: NmsChangeEvent): void {
    this.of(change.testId, change.retry)?.nms.push(change);
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const list = result.retry === 0 ? [] : (this.attempts.get(test.id) ?? []);
    list.push(result);
    this.attempts.set(test.id, list);
    if (result.willRetry) return;
    this.blocks.set(test.id, this.block(test, list));
    this.write(false);
  }

  onError(error: HarnessError): void {
    this.errors.push(error.message);
  }

  onNote(note: RunNote): void {
    this.notes.push(`${new Date(note.at).toISOString()} ${note.kind}: ${note.message}`);
  }

  onEnd(summary: RunSummary): void {
    this.summary = summary;
    this.write(true);
  }

  private of(testId: string | undefined, retry: number | undefined): AttemptObservations | undefined {
    return testId === undefined ? undefined : this.observed.get(key(testId, retry ?? 0));
  }

  private block(test: TestCase, list: readonly TestResult[]): string {
    const passed = outcomeOf(list) === 'expected';
    const budget = this.options.detailBudget ?? 24 * 1024 * 1024;
    const detailFrames = passed && this.detailSpent > budget ? 0 : (this.options.detailFrames ?? 2000);
    const view: TestView = {
      attempts: list.map((r) => {
        const k = key(test.id, r.retry);
        const o = this.observed.get(k) ?? emptyObservations();
        this.observed.delete(k);
        return attemptView(test, r, o, { htmlDir: this.htmlDir, detailFrames });
      }),
    };
    // In a <script> element only "</" can end it early; JSON.parse reads \u003c as "<".
    const text = JSON.stringify(view).replace(/</g, '\\u003c');
    if (passed) this.detailSpent += text.length;
    return text;
  }

  private rows(): TestRow[] {
    return (this.info?.tests ?? []).map((t) => {
      const list = this.attempts.get(t.id);
      const last = list?.[list.length - 1];
      const done = !!last && !last.willRetry;
      const outcome = !done ? 'pending' : last.status === 'passed' && list!.length > 1 ? 'flaky' : last.status;
      return {
        id: t.id,
        suite: t.suite.name,
        branch: t.suite.branch,
        device: t.device.name,
        name: t.name,
        outcome,
        duration: done ? last.duration : 0,
        attempts: list?.length ?? 0,
        message: done ? (last.failure?.message ?? last.skipReason ?? '') : '',
      };
    });
  }

  private write(force: boolean): void {
    if (!this.info) return;
    const start = this.now();
    if (!force && !writeDue(this.lastWrite, start)) {
      this.dirty = true;
      return;
    }
    const data: PageData = {
      rig: this.info.rig,
      startTime: this.info.startTime,
      ...(this.info.shard ? { shard: `${this.info.shard.index}/${this.info.shard.total}` } : {}),
      status: this.summary?.status ?? 'running',
      duration: this.summary?.duration ?? Math.max(0, start - this.info.startTime),
      ...(this.summary?.message ? { message: this.summary.message } : {}),
      errors: this.errors,
      notes: this.notes,
      tests: this.rows(),
      history: this.options.history ?? [],
    };
    writeFileAtomic(this.options.outputFile, renderPage(data, this.blocks));
    this.dirty = false;
    const end = this.now();
    this.lastWrite = { at: end, cost: end - start };
  }

  /** Whether a rewrite was put off (tests). */
  get pending(): boolean {
    return this.dirty;
  }
}
