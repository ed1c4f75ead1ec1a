/**
 * What a run produced, as plain JSON-safe data: reporters, the event log and shard merging all use
 * these shapes, so a replayed run looks exactly like a live one.
 */
import type { Requirements } from '../config/suite.js';
import type { StepPhase } from '../config/steps.js';

/** One attempt. failed = an expectation not met (JUnit <failure>); error = a throw or harness problem (<error>). */
export type TestStatus = 'passed' | 'failed' | 'skipped' | 'interrupted' | 'error';
/** A test across its attempts: flaky passed only after a retry. */
export type TestOutcome = 'expected' | 'unexpected' | 'flaky' | 'skipped';
export type StepStatus = 'passed' | 'failed' | 'error' | 'skipped' | 'timedOut' | 'interrupted';
/** rig-fault: the device failed its health check or was lost mid-run; not a firmware verdict of this test. */
export type FailureKind = 'expectation' | 'timeout' | 'error' | 'interrupted' | 'rig-fault';
/** `session` records are the DeviceSession hooks (setup before, restore after each test). */
export type RecordPhase = StepPhase | 'session';

export interface Attachment {
  name: string;
  path: string;
  /** e.g. 'application/vnd.tcpdump.pcap', 'text/plain' (console log). */
  contentType: string;
}

/** What an input that could hurt did to the device (harness/steps/crash-class.ts). */
export type CrashKind = 'crashed' | 'hung' | 'rebooted' | 'degraded';

export interface Failure {
  kind: FailureKind;
  message: string;
  /** The device crashed, hung, rebooted or degraded after the test's input: JUnit's failure type. */
  crash?: CrashKind;
  /** That input: each frame the harness sent the device during the test, hex and decoded. */
  input?: string[];
  /** The suite file that replays that input (`hil run FILE --device DEVICE`), in the reports. */
  reproducer?: string;
  expected?: string;
  seen?: string;
  likelyCause?: string;
  fix?: string;
  /** The step that failed, when one did. */
  step?: { phase: RecordPhase; index: number; text: string; where?: string };
  stack?: string;
}

export interface DeviceInfo {
  name: string;
  eui64: string;
  address: string;
  link: string;
  port: number;
  firmwareVersion: string;
  hwId: string;
  firmwareGroup: string;
  capabilities: string[];
}

export interface TestCase {
  /** Stable across runs and shards: a hash of suite, test and device names. */
  id: string;
  /** Rig name; shards merged from several racks keep each test's own. */
  rig: string;
  suite: { name: string; branch: string; file: string };
  name: string;
  /** "clock-skew @ meter-1 › rejects skewed signatures" */
  title: string;
  where: string;
  device: DeviceInfo;
  requires: Requirements;
  retries: number;
  /** Set at planning when the device or rig lacks what the test needs. */
  skipReason?: string;
}

export interface StepRecord {
  phase: RecordPhase;
  index: number;
  text: string;
  where?: string;
  status: StepStatus;
  startTime: number;
  duration: number;
  logs: string[];
  failure?: Failure;
  attachments: Attachment[];
}

export interface TestResult {
  testId: string;
  /** 0 for the first attempt. */
  retry: number;
  status: TestStatus;
  /** Another attempt follows; reporters that show one line per test wait for the last. */
  willRetry: boolean;
  startTime: number;
  duration: number;
  steps: StepRecord[];
  failure?: Failure;
  skipReason?: string;
  /** Skipped because the run stopped before it (a signal, --bail), not because the test does not apply: it did not pass. */
  stopped?: boolean;
  attachments: Attachment[];
}

export interface RunInfo {
  rig: { name: string; file: string };
  startTime: number;
  tests: TestCase[];
  shard?: { index: number; total: number };
  /**
   * Set on a shard: the whole run's partition, the same on every shard of one run. `digest` hashes
   * every shard's test ids (so shards of different suites, filters, devices or shard counts differ);
   * `shardTests[i]` is the number of tests of shard i+1. `hil merge` refuses shards whose plans
   * differ and counts the tests of a shard missing from the merge.
   */
  plan?: { digest: string; shardTests: number[] };
  retries: number;
  bail: boolean;
}

/**
 * Something a person reading the report should know that is neither a test result nor a harness
 * error: a dead holder's lease taken over, a lease lost, a dongle that came back under another path,
 * a device refused because another one answers in its place, a device found silent before its first
 * test and brought back by a power cycle.
 */
export interface RunNote {
  /**
   * 'port-bound': the device node a serial link opened (a usb: selector's path, a by-id link's tty).
   * 'device-recovered': the health check found the device silent and power-cycled it; its tests ran on the rebooted device.
   * 'lease-retaken': a device's lease, lost earlier in the run, taken again before its next test.
   * 'lease-unreleased': a lease the run could not free at its end (the store did not answer, or the run was stopped); it lapses at its expiry.
   */
  kind: 'lease-takeover' | 'lease-lost' | 'lease-retaken' | 'lease-unreleased' | 'port-bound' | 'device-rebound' | 'identity-refused' | 'device-recovered';
  message: string;
  at: number;
  device?: string;
  link?: string;
}

export type RunStatus = 'passed' | 'failed' | 'interrupted' | 'error';

export interface OutcomeCounts {
  passed: number;
  failed: number;
  flaky: number;
  skipped: number;
  interrupted: number;
  error: number;
}

export interface RunSummary {
  status: RunStatus;
  startTime: number;
  duration: number;
  counts: OutcomeCounts;
  /** Why the harness could not run (status 'error'), or why the run stopped early. */
  message?: string;
  /** A failed run whose every failed or errored test is a rig fault (exit code 3, not 1). */
  rigFaultOnly?: boolean;
}

export function outcomeOf(attempts: readonly TestResult[]): TestOutcome {
  const last = attempts[attempts.length - 1];
  if (!last || last.status === 'skipped') return 'skipped';
  if (last.status !== 'passed') return 'unexpected';
  return attempts.length > 1 ? 'flaky' : 'expected';
}

/** Bucket of a test's last attempt in the summary counts. */
export function countKey(attempts: readonly TestResult[]): keyof OutcomeCounts {
  const last = attempts[attempts.length - 1];
  if (!last) return 'skipped';
  if (last.status === 'passed') return attempts.length > 1 ? 'flaky' : 'passed';
  return last.status;
}

export function emptyCounts(): OutcomeCounts {
  return { passed: 0, failed: 0, flaky: 0, skipped: 0, interrupted: 0, error: 0 };
}

export function statusOfCounts(counts: OutcomeCounts): RunStatus {
  if (counts.interrupted > 0) return 'interrupted';
  return counts.failed + counts.error > 0 ? 'failed' : 'passed';
}
