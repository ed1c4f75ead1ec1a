/**
 * The HTML report's trend, read from the same history store `hil history` reads (format.ts): for
 * each earlier run, oldest first, each test's outcome as the report colours it and its duration.
 */
import type { RunSummary, TestStatus } from '../model/run-model.js';
import type { HistoryTest } from './format.js';
import { readHistory } from './read.js';

/** The last attempt's status, or 'flaky' for a pass after a retry (the report's outcome words). */
export type TrendOutcome = TestStatus | 'flaky';

export interface TrendRun {
  startTime: number;
  /** 'interrupted' for a run that has no end line (killed, or still running on another runner). */
  status: RunSummary['status'];
  /** By test id: [outcome, ms from the first attempt's start to the last one's end]. */
  tests: Record<string, [TrendOutcome, number]>;
}

export function trendOutcome(t: Pick<HistoryTest, 'outcome' | 'attempts'>): TrendOutcome {
  if (t.outcome === 'flaky') return 'flaky';
  return t.attempts[t.attempts.length - 1] ?? 'skipped';
}

/**
 * The newest `limit` runs of the store in `dir`, oldest first; a folder not there yet is no history.
 * Files and lines the reader skips (read.ts) are left out of the trend and told to `warn`, by file
 * and line, as `hil history` names them.
 */
export function readTrend(dir: string, limit = 50, warn?: (line: string) => void): TrendRun[] {
  let read;
  try {
    read = readHistory(dir);
  } catch {
    // Unreadable or absent: the report is still written, with no trend (hil history says why).
    return [];
  }
  for (const s of read.skipped) warn?.(`history: skipped ${s.file}: ${s.reason}; the HTML trend leaves it out`);
  for (const s of read.skippedLines) warn?.(`history: skipped line ${s.line} of ${s.file}: ${s.reason}; the HTML trend leaves out what it recorded`);
  return read.runs.slice(-limit).map((r) => {
    const tests: TrendRun['tests'] = {};
    for (const t of r.tests) tests[t.testId] = [trendOutcome(t), t.duration];
    return { startTime: r.run.startTime, status: r.end?.status ?? 'interrupted', tests };
  });
}
