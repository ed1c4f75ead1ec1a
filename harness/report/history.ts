/**
 * Run history for trends (`hil run --history DIR`): every run appends one JSON line to
 * DIR/history.jsonl when it ends (interrupted runs too), and the HTML report shows each test's
 * last outcomes from the lines before it. The format is deliberately small and stable so other
 * tools can read it; one line per run:
 *
 *   {
 *     "format": "csmp-hil-history", "version": 1,
 *     "startTime": 1764000000000,          // ms since the epoch
 *     "duration": 11500,                   // ms, wall time
 *     "status": "passed",                  // passed | failed | interrupted | error
 *     "rig": "virtual",
 *     "shard": "1/2",                      // only for a shard
 *     "counts": { "passed": 88, "failed": 0, "flaky": 0, "skipped": 0, "interrupted": 0, "error": 0 },
 *     "tests": {                           // by test id (stable across runs: suite, test, device)
 *       "3f2a…": ["passed", 2130, 1, "registration @ meter-1 › registers, accepts…"]
 *     }                                    // [outcome, duration of the last attempt in ms, attempts, title]
 *   }
 *
 * outcome is the last attempt's status, or "flaky" for a pass after a retry. Readers skip lines
 * they cannot parse and lines of a newer version; writers only ever append.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reporter } from '../model/reporter.js';
import type { RunInfo, RunSummary, TestCase, TestResult } from '../model/run-model.js';

export const HISTORY_FORMAT = 'csmp-hil-history';
export const HISTORY_VERSION = 1;
export const HISTORY_FILE = 'history.jsonl';

export type HistoryOutcome = TestResult['status'] | 'flaky';

export interface HistoryRun {
  format: typeof HISTORY_FORMAT;
  version: number;
  startTime: number;
  duration: number;
  status: RunSummary['status'];
  rig: string;
  shard?: string;
  counts: RunSummary['counts'];
  tests: Record<string, [HistoryOutcome, number, number, string]>;
}

/** Earlier runs in DIR, oldest first (at most `limit`, the newest). A missing file is no history. */
export function readHistory(dir: string, limit = 50): HistoryRun[] {
  let text: string;
  try {
    text = readFileSync(join(dir, HISTORY_FILE), 'utf8');
  } catch {
    return [];
  }
  const runs: HistoryRun[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as HistoryRun;
      if (r.format === HISTORY_FORMAT && r.version <= HISTORY_VERSION && r.tests && typeof r.startTime === 'number') runs.push(r);
    } catch {
      // A torn or foreign line costs that line only.
    }
  }
  return runs.slice(-limit);
}

export class HistoryReporter implements Reporter {
  readonly name = 'history';
  private info: RunInfo | undefined;
  private readonly attempts = new Map<string, TestResult[]>();

  constructor(private readonly dir: string) {}

  onBegin(info: RunInfo): void {
    this.info = info;
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const list = result.retry === 0 ? [] : (this.attempts.get(test.id) ?? []);
    this.attempts.set(test.id, [...list, result]);
  }

  onEnd(summary: RunSummary): void {
    const info = this.info;
    if (!info) return;
    const tests: HistoryRun['tests'] = {};
    for (const t of info.tests) {
      const list = this.attempts.get(t.id);
      const last = list?.[list.length - 1];
      if (!last) continue;
      const outcome: HistoryOutcome = last.status === 'passed' && list!.length > 1 ? 'flaky' : last.status;
      tests[t.id] = [outcome, last.duration, list!.length, t.title];
    }
    const run: HistoryRun = {
      format: HISTORY_FORMAT,
      version: HISTORY_VERSION,
      startTime: summary.startTime,
      duration: summary.duration,
      status: summary.status,
      rig: info.rig.name,
      ...(info.shard ? { shard: `${info.shard.index}/${info.shard.total}` } : {}),
      counts: summary.counts,
      tests,
    };
    mkdirSync(this.dir, { recursive: true });
    appendFileSync(join(this.dir, HISTORY_FILE), `${JSON.stringify(run)}\n`);
  }
}
