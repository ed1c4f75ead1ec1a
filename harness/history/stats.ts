/**
 * Per test and device, across the recorded runs: how often it passed, whether it is flaky, since when
 * it fails, and whether its failures were the firmware's or the rig's. Pure: runs in, rows out.
 *
 * A run counts for a test only when it gave a verdict: skipped and interrupted attempts say nothing
 * about the firmware. A test is flaky when it passed only on a retry in some run, or when its verdict
 * flipped between pass and fail at least twice in run order (pass, fail, pass): one flip is a
 * regression or a fix, not flakiness.
 */
import type { TestOutcome } from '../model/run-model.js';
import type { Fault, HistoryTest } from './format.js';
import type { RecordedRun } from './read.js';

export interface RunRef {
  runId: string;
  startTime: number;
}

export interface TestHistory {
  testId: string;
  suite: string;
  test: string;
  device: string;
  /** Runs that gave a verdict (not skipped, not interrupted). */
  runs: number;
  /** Of those, runs where it passed (first time or on a retry). */
  passed: number;
  /** passed / runs; undefined without a verdict. */
  passRate?: number;
  flaky: boolean;
  /** Runs where it passed only after a retry. */
  passedOnRetry: number;
  /** Verdict changes between consecutive runs (pass→fail or fail→pass). */
  flips: number;
  /** The earliest run in which it failed. */
  firstFailure?: RunRef & { message?: string; fault?: Fault };
  /** Start of the current run of failures, when the latest verdict is a failure. */
  failingSince?: RunRef;
  failures: { firmware: number; rig: number };
  /** The latest run that had this test (whatever its outcome). */
  last: RunRef & { outcome: TestOutcome };
}

function isVerdict(t: HistoryTest): boolean {
  if (t.outcome === 'skipped') return false;
  return t.attempts[t.attempts.length - 1] !== 'interrupted';
}

const passedIn = (t: HistoryTest): boolean => t.outcome === 'expected' || t.outcome === 'flaky';

export function historyStats(runs: readonly RecordedRun[]): TestHistory[] {
  const byTest = new Map<string, { t: HistoryTest; ref: RunRef }[]>();
  const ordered = [...runs].sort((a, b) => a.run.startTime - b.run.startTime || a.run.runId.localeCompare(b.run.runId));
  for (const r of ordered) {
    for (const t of r.tests) {
      const list = byTest.get(t.testId) ?? [];
      list.push({ t, ref: { runId: r.run.runId, startTime: r.run.startTime } });
      byTest.set(t.testId, list);
    }
  }
  const rows: TestHistory[] = [];
  for (const [testId, seen] of byTest) {
    const latest = seen[seen.length - 1]!;
    const verdicts = seen.filter((s) => isVerdict(s.t));
    const passed = verdicts.filter((s) => passedIn(s.t)).length;
    let flips = 0;
    for (let i = 1; i < verdicts.length; i++) if (passedIn(verdicts[i]!.t) !== passedIn(verdicts[i - 1]!.t)) flips++;
    const passedOnRetry = verdicts.filter((s) => s.t.outcome === 'flaky').length;
    const failed = verdicts.filter((s) => !passedIn(s.t));
    const failures = { firmware: 0, rig: 0 };
    for (const f of failed) failures[f.t.fault ?? 'firmware']++;
    const row: TestHistory = {
      testId,
      suite: latest.t.suite,
      test: latest.t.test,
      device: latest.t.device,
      runs: verdicts.length,
      passed,
      flaky: passedOnRetry > 0 || flips >= 2,
      passedOnRetry,
      flips,
      failures,
      last: { ...latest.ref, outcome: latest.t.outcome },
    };
    if (verdicts.length) row.passRate = passed / verdicts.length;
    const first = failed[0];
    if (first) {
      row.firstFailure = { ...first.ref, ...(first.t.message ? { message: first.t.message } : {}), ...(first.t.fault ? { fault: first.t.fault } : {}) };
    }
    let streak = verdicts.length;
    while (streak > 0 && !passedIn(verdicts[streak - 1]!.t)) streak--;
    if (streak < verdicts.length) row.failingSince = { ...verdicts[streak]!.ref };
    rows.push(row);
  }
  return rows.sort((a, b) => a.suite.localeCompare(b.suite) || a.test.localeCompare(b.test) || a.device.localeCompare(b.device));
}
