/**
 * The run history store (`hil run --history DIR`): a folder of JSON-lines files, one per run, that a
 * person can read with `cat` and a script with `jq`. Plain files rather than a database so that runs
 * on many CI runners can write to one shared folder without a server, a run killed mid-way leaves
 * every test it finished, and nothing native is installed.
 *
 * File name: `<start, UTC, yyyymmddThhmmssZ>-<host>-<pid>.jsonl` — sorts by start time.
 * Lines, each one JSON object with a `type`:
 *
 *   {"type":"run","format":"csmp-hil-history","version":1,"runId":"20260105T020000Z-rack7-4242",
 *    "rig":"lab-3","startTime":1767578400000,"host":"rack7","ciJobUrl":"https://…","shard":{"index":1,"total":4}}
 *   {"type":"test","runId":…,"testId":"9f…","suite":"clock-skew","test":"rejects skewed signatures",
 *    "device":"meter-1","eui64":"00173bfffe000001","firmwareVersion":"5.6.21","outcome":"flaky",
 *    "fault":"firmware","attempts":["failed","passed"],"message":"step 3 (expect-state: …",
 *    "startTime":…,"duration":2100}
 *   {"type":"end","runId":…,"status":"failed","duration":9400,"counts":{"passed":20,…}}
 *
 * `outcome` is the test across its attempts (run-model's TestOutcome): expected (passed first time),
 * flaky (passed after a retry), unexpected (did not pass), skipped. `fault` says whose fault a
 * failure was: 'firmware' when the device did not behave as the protocol requires (an expectation
 * not met, or no answer within the step's time), 'rig' when the bench itself failed (a port lost, a
 * console that did not answer, a harness error); absent when the test passed or was skipped or
 * interrupted. A test line is written once per test, when its last attempt ends; the end line only
 * by a run that finished. Readers skip a torn last line and lines of a newer version they do not know.
 */
import type { FailureKind, RunSummary, TestOutcome, TestStatus } from '../model/run-model.js';

export const HISTORY_FORMAT = 'csmp-hil-history';
export const HISTORY_VERSION = 1;

export type Fault = 'firmware' | 'rig';

export interface HistoryRun {
  type: 'run';
  format: typeof HISTORY_FORMAT;
  version: number;
  runId: string;
  rig: string;
  startTime: number;
  host: string;
  ciJobUrl?: string;
  shard?: { index: number; total: number };
}

export interface HistoryTest {
  type: 'test';
  runId: string;
  /** Stable across runs: suite, test and device names. */
  testId: string;
  suite: string;
  test: string;
  device: string;
  eui64: string;
  firmwareVersion: string;
  outcome: TestOutcome;
  fault?: Fault;
  /** Status of each attempt, in order. */
  attempts: TestStatus[];
  /** The last attempt's failure, first line. */
  message?: string;
  startTime: number;
  duration: number;
}

export interface HistoryEnd {
  type: 'end';
  runId: string;
  status: RunSummary['status'];
  duration: number;
  counts: RunSummary['counts'];
}

export type HistoryLine = HistoryRun | HistoryTest | HistoryEnd;

/**
 * Whose fault a failure of this kind was. An error (a throw, a lost port, a console timeout) is the
 * bench's; an expectation not met, or a device that did not answer within the step's time, is the
 * firmware's.
 */
export function faultOf(status: TestStatus, kind: FailureKind | undefined): Fault | undefined {
  if (status === 'error') return 'rig';
  if (status === 'failed') return kind === 'error' ? 'rig' : 'firmware';
  return undefined;
}

/** `20260105T020000Z`: compact, sortable, safe in a file name. */
export function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}
