/**
 * Appends this run to the history store (harness/history/format.ts): a header when the run begins,
 * one line per test when its last attempt ends, an end line when the run finishes. Each line is
 * written whole or not at all (RecordFile: a full disk cuts the file back to its last whole line and
 * the error goes to the run's recording guard) to a file only this run writes, so a run killed at
 * any moment leaves a readable file with every test it finished, and runs on several hosts can share
 * the folder.
 */
import { RecordFile, type RecordIo } from '../../core/append-record.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { compactTime, faultOf, HISTORY_FORMAT, HISTORY_VERSION, type HistoryLine, type HistoryTest } from '../history/format.js';
import type { Reporter } from '../model/reporter.js';
import { outcomeOf, type RunInfo, type RunSummary, type TestCase, type TestResult } from '../model/run-model.js';
import { makeDirs } from '../../core/make-dirs.js';

export interface HistoryOptions {
  dir: string;
  /** The CI job running this run (from the CI's environment, read by the caller). */
  ciJobUrl?: string;
  /** Default os.hostname(). */
  host?: string;
  /** The system calls (tests play a full disk with them). */
  io?: RecordIo;
}

export class HistoryReporter implements Reporter {
  readonly name = 'history';
  private out: RecordFile | undefined;
  private runId = '';
  private readonly attempts = new Map<string, TestResult[]>();
  private readonly host: string;

  constructor(private readonly options: HistoryOptions) {
    this.host = options.host ?? hostname();
  }

  /** The file this run writes (after onBegin). */
  file: string | undefined;

  onBegin(info: RunInfo): void {
    const base = `${compactTime(info.startTime)}-${this.host.replace(/[^A-Za-z0-9.-]+/g, '_')}-${process.pid}`;
    makeDirs(this.options.dir);
    // A second run in the same second by the same process (a library user) gets its own file.
    for (let n = 1; this.out === undefined; n++) {
      this.runId = n === 1 ? base : `${base}-${n}`;
      this.file = join(this.options.dir, `${this.runId}.jsonl`);
      try {
        this.out = new RecordFile(this.file, 'wx', this.options.io);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 100) throw e;
      }
    }
    this.line({
      type: 'run',
      format: HISTORY_FORMAT,
      version: HISTORY_VERSION,
      runId: this.runId,
      rig: info.rig.name,
      startTime: info.startTime,
      host: this.host,
      ...(this.options.ciJobUrl ? { ciJobUrl: this.options.ciJobUrl } : {}),
      ...(info.shard ? { shard: info.shard } : {}),
    });
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const list = result.retry === 0 ? [result] : [...(this.attempts.get(test.id) ?? []), result];
    this.attempts.set(test.id, list);
    if (result.willRetry) return;
    const first = list[0]!;
    const outcome = outcomeOf(list);
    const fault = outcome === 'unexpected' ? faultOf(result.status, result.failure?.kind) : undefined;
    const record: HistoryTest = {
      type: 'test',
      runId: this.runId,
      testId: test.id,
      suite: test.suite.name,
      test: test.name,
      device: test.device.name,
      eui64: test.device.eui64,
      firmwareVersion: test.device.firmwareVersion,
      outcome,
      ...(fault ? { fault } : {}),
      attempts: list.map((a) => a.status),
      ...(result.failure ? { message: result.failure.message.split('\n')[0]! } : {}),
      startTime: first.startTime,
      duration: result.startTime + result.duration - first.startTime,
    };
    this.line(record);
  }

  onEnd(summary: RunSummary): void {
    try {
      this.line({ type: 'end', runId: this.runId, status: summary.status, duration: summary.duration, counts: summary.counts });
    } finally {
      this.out?.close();
      this.out = undefined;
    }
  }

  private line(value: HistoryLine): void {
    this.out?.append(`${JSON.stringify(value)}\n`);
  }
}
