import { setMaxListeners } from 'node:events';
import type { DeviceSpec, Rig } from '../config/rig.js';
import type { Suite } from '../config/suite.js';
import { Multiplexer } from '../model/multiplexer.js';
import type { Reporter } from '../model/reporter.js';
import { InterruptedError } from './abort-reasons.js';
import { runAttempt, type AttemptEnv, type InputGuard } from './attempt.js';
import { DeviceLocks, type LeaseLoss } from './device-lock.js';
import { deviceLeaseKey, takeoverNote, type LeaseStore } from '../../core/lease.js';
import type { DeviceSession, Liveness, StepExecutor } from './executor.js';
import {
  countKey,
  emptyCounts,
  outcomeOf,
  statusOfCounts,
  type Failure,
  type RunInfo,
  type RunNote,
  type RunSummary,
  type TestCase,
  type TestResult,
} from '../model/run-model.js';
import { resolveRunOptions, type ResolvedRunOptions, type RunOptions } from './options.js';
import { planTests, shardGroupOf, type PlannedTest } from './plan.js';
import { filterForShard, shardPlan } from './shard.js';
import { raceAbort } from '../../core/abort.js';

export interface RunInput {
  rig: Rig;
  suites: readonly Suite[];
  executor: StepExecutor;
  session?: DeviceSession;
  reporter?: Reporter;
  options?: RunOptions;
}

/**
 * One run: plans (suite × device × test, filtered and sharded), then drives every device in
 * parallel, one test at a time per device. Construction validates the options (ConfigError);
 * start() never throws: harness problems end the run with status 'error'.
 */
export class Run {
  readonly options: ResolvedRunOptions;
  /** This shard's tests, in report order. */
  readonly tests: readonly TestCase[];
  private readonly planned: PlannedTest[];
  private readonly selectedBeforeShard: number;
  private readonly plan: RunInfo['plan'];
  private readonly reporter: Multiplexer;
  private readonly runController = uncappedController();
  private readonly forceController = uncappedController();
  private readonly attempts = new Map<string, TestResult[]>();
  private stopReason: string | undefined;
  private started = false;
  private locks: DeviceLocks | undefined;

  constructor(private readonly input: RunInput) {
    this.options = resolveRunOptions(input.options);
    const all = planTests(input.rig, input.suites, this.options);
    this.selectedBeforeShard = all.length;
    this.planned = this.options.shard ? filterForShard(all, this.options.shard, shardGroupOf(this.options.shardBy)) : all;
    if (this.options.shard) this.plan = shardPlan(all, this.options.shard.total, shardGroupOf(this.options.shardBy), (p) => p.testCase.id);
    this.tests = this.planned.map((p) => p.testCase);
    // The runner isolates reporters itself, so a caller passing a single one is protected too.
    this.reporter = new Multiplexer(input.reporter ? [input.reporter] : []);
  }

  get interrupted(): boolean {
    return this.runController.signal.aborted;
  }

  /** Aborts when the run is interrupted: work tied to the run's lifetime listens to it. */
  get signal(): AbortSignal {
    return this.runController.signal;
  }

  /**
   * First call: stop scheduling and abort running tests (they end 'interrupted' after their teardown
   * and restore). Second call: abort the teardown and restore too.
   */
  interrupt(reason = 'run interrupted'): void {
    if (!this.runController.signal.aborted) {
      this.stopReason = reason;
      this.runController.abort(new InterruptedError(reason));
    } else if (!this.forceController.signal.aborted) {
      this.forceController.abort(new InterruptedError(`${reason} (cleanup abandoned)`));
    }
  }

  async start(): Promise<RunSummary> {
    if (this.started) throw new Error('Run.start() called twice');
    this.started = true;
    const { clock } = this.options;
    const startTime = clock.now();
    const info: RunInfo = {
      rig: { name: this.input.rig.name, file: this.input.rig.file },
      startTime,
      tests: [...this.tests],
      retries: this.options.retries,
      bail: this.options.bail,
    };
    if (this.options.shard) info.shard = this.options.shard;
    if (this.plan) info.plan = this.plan;
    this.reporter.onBegin(info);

    const finish = async (message?: string, harnessError = false): Promise<RunSummary> => {
      const counts = emptyCounts();
      let unexpected = 0;
      let rigFaults = 0;
      for (const t of this.tests) {
        const attempts = this.attempts.get(t.id) ?? [];
        counts[countKey(attempts)]++;
        if (outcomeOf(attempts) !== 'unexpected') continue;
        unexpected++;
        if (attempts[attempts.length - 1]!.failure?.kind === 'rig-fault') rigFaults++;
      }
      const summary: RunSummary = {
        status: harnessError ? 'error' : this.interrupted ? 'interrupted' : statusOfCounts(counts),
        startTime,
        duration: clock.now() - startTime,
        counts,
      };
      const why = message ?? this.stopReason;
      if (why) summary.message = why;
      if (summary.status === 'failed' && unexpected > 0 && rigFaults === unexpected) summary.rigFaultOnly = true;
      await this.reporter.onEnd(summary);
      return summary;
    };

    if (this.selectedBeforeShard === 0) {
      this.reporter.onError({ message: 'no tests match the selected suites, devices and --grep' });
      return finish('no tests match the selected suites, devices and --grep', true);
    }

    const byDevice = new Map<DeviceSpec, PlannedTest[]>();
    for (const p of this.planned) byDevice.set(p.device, [...(byDevice.get(p.device) ?? []), p]);
    const busy = [...byDevice].filter(([, list]) => list.some((p) => !p.testCase.skipReason)).map(([d]) => d);

    try {
      if (this.options.leases && busy.length) this.locks = await this.lease(this.options.leases, busy);
      if (busy.length) await this.input.session?.open?.(busy, this.runController.signal);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.reporter.onError({ message, ...(e instanceof Error && e.stack ? { stack: e.stack } : {}) });
      await this.closeSession();
      await this.releaseLeases();
      return finish(message, true);
    }

    const env: AttemptEnv = {
      rig: this.input.rig,
      executor: this.input.executor,
      reporter: this.reporter,
      options: this.options,
      runSignal: this.runController.signal,
      forceSignal: this.forceController.signal,
    };
    if (this.input.session) env.session = this.input.session;

    await Promise.all([...byDevice].map(([device, list]) => this.driveDevice(env, device, list)));
    await this.closeSession();
    await this.releaseLeases();
    return finish();
  }

  /**
   * The devices' leases, or undefined when the run is interrupted first (a store that does not
   * answer must not hold a stopped run; leases granted after that are released at once).
   */
  private async lease(store: LeaseStore, devices: readonly DeviceSpec[]): Promise<DeviceLocks | undefined> {
    const signal = this.runController.signal;
    if (signal.aborted) return undefined;
    const taking = DeviceLocks.acquire(store, this.input.rig.name, devices);
    const locks = await raceAbort(taking, signal, () => {
      taking.then((l) => l.release(), () => {});
      return undefined;
    });
    if (!locks) return undefined;
    for (const t of locks.takeovers) this.leaseNote('lease-takeover', t.key, takeoverNote(t));
    locks.onLost((r, why) => this.leaseNote('lease-lost', r.key, `${r.label}: lease lost: ${why}`));
    return locks;
  }

  private leaseNote(kind: RunNote['kind'], key: string, message: string): void {
    const device = this.input.rig.devices.find((d) => deviceLeaseKey(d.eui64) === key)?.name;
    this.reporter.onNote({ kind, message, at: this.options.clock.now(), ...(device ? { device } : {}) });
  }

  /**
   * Before a device's test: its lease, taken again if it was lost. A reason not to run the test
   * when it cannot be (someone else holds it now, or the store cannot be reached).
   */
  private async leaseFor(device: DeviceSpec): Promise<string | undefined> {
    const locks = this.locks;
    const loss = await locks?.lost(device.name);
    if (!locks || !loss) return undefined;
    const label = `device ${device.name} (rig ${this.input.rig.name})`;
    try {
      const takeovers = await locks.retake(device.name);
      this.leaseNote('lease-retaken', deviceLeaseKey(device.eui64), `${label}: lease taken again after it was lost at ${iso(loss.at)}`);
      for (const t of takeovers) this.leaseNote('lease-takeover', t.key, takeoverNote(t));
      return undefined;
    } catch (e) {
      return `not run: the lease on ${device.name} was lost at ${iso(loss.at)} and cannot be taken again: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /**
   * Frees the devices' leases; a stop during that (the first signal, or the second when the run
   * was already interrupted) ends the wait. Leases not freed are noted: they lapse at their expiry.
   */
  private async releaseLeases(): Promise<void> {
    const locks = this.locks;
    if (!locks) return;
    const signal = this.runController.signal.aborted ? this.forceController.signal : this.runController.signal;
    for (const u of await locks.release({ signal })) {
      this.leaseNote('lease-unreleased', u.record.key, `${u.record.label}: lease not released (${u.why}); nobody renews it, it lapses at ${u.record.expires}`);
    }
  }

  private async driveDevice(env: AttemptEnv, device: DeviceSpec, queue: readonly PlannedTest[]): Promise<void> {
    let broken: { failure: Failure; after: string } | undefined;
    // Set when the device failed its health check or went silent: its remaining tests are rig faults.
    let rigFault: string | undefined;
    // Set when the device's lease was lost and could not be taken again: its remaining tests are not run.
    let unleased: string | undefined;
    let checked = false;
    for (const planned of queue) {
      const tc = planned.testCase;
      if (tc.skipReason) {
        this.endWithout(tc, 'skipped', tc.skipReason);
      } else if (this.stopReason) {
        this.endWithout(tc, 'skipped', `not run: ${this.stopReason}`, 'error', true);
      } else if (broken) {
        this.endWithout(tc, 'error', `not run: device ${device.name} is unusable since restore failed after '${broken.after}': ${broken.failure.message}`);
      } else if (unleased || (unleased = await this.leaseFor(device))) {
        this.endWithout(tc, 'error', unleased);
      } else if (rigFault || (!checked && (rigFault = await this.healthCheck(env, device, tc)))) {
        this.endWithout(tc, 'error', rigFault, 'rig-fault');
      } else {
        checked = true;
        for (let retry = 0; ; retry++) {
          const mark = this.locks?.losses(device.name) ?? 0;
          const { result, deviceBroken } = await runAttempt(env, planned, retry, this.guard(env, device, planned));
          // Not under the lease all along: another run may have driven the device meanwhile.
          const lost = this.interrupted ? undefined : await this.locks?.lostSince(device.name, mark);
          if (lost) untrusted(result, device, lost);
          if (deviceBroken) broken = { failure: deviceBroken, after: tc.name };
          if (!broken && !lost && !this.interrupted) rigFault = await this.afterTest(env, device, planned, result);
          const final = result.status === 'passed' || result.status === 'interrupted' || retry >= this.options.retries || !!broken || !!rigFault || !!lost || this.interrupted;
          result.willRetry = !final;
          this.record(tc, result);
          if (final) break;
        }
        if (this.options.bail && !this.stopReason && outcomeOf(this.attempts.get(tc.id)!) === 'unexpected')
          this.stopReason = `--bail after '${tc.title}'`;
      }
    }
  }

  /** Before the device's first test: a device that is not there is a rig fault, not a firmware failure. */
  private async healthCheck(env: AttemptEnv, device: DeviceSpec, tc: TestCase): Promise<string | undefined> {
    const live = await this.probe(env, device, tc, 'health');
    if (!live.alive) return `not run (rig fault): ${device.name} failed its health check: ${live.evidence}`;
    // Its tests then run on a device the harness rebooted, which the report must say: a device that
    // hangs between runs is a finding even when every test after the power cycle passes.
    if (live.cycled) {
      const message = `${device.name} was silent before its first test; the health check power-cycled it, and its tests ran after that reboot: ${live.cycled}`;
      this.reporter.onNote({ kind: 'device-recovered', message, at: this.options.clock.now(), device: device.name });
    }
    return undefined;
  }

  /**
   * After a test that did not pass, or one of a robustness suite (its input could have hurt the
   * device, whatever the test's own verdict): a device gone silent is lost for the rest of the run,
   * and a robustness test after which it died did not pass (the input crashed it).
   */
  private async afterTest(env: AttemptEnv, device: DeviceSpec, planned: PlannedTest, result: TestResult): Promise<string | undefined> {
    const hurts = this.hurts(planned);
    if (result.status === 'interrupted' || (result.status === 'passed' && !hurts)) return undefined;
    const live = await this.probe(env, device, planned.testCase, 'after-test', result);
    // A test that failed on its own because the input hurt the device says so first, and the
    // cause its own check would guess (a lossy link, a wrong answer) gives way to the crash.
    if (live.verdict && result.status === 'failed' && result.failure)
      result.failure = { ...result.failure, ...harm(live), message: `${live.verdict}; the test's own check: ${result.failure.message}`, likelyCause: CRASH_CAUSE, fix: CRASH_FIX };
    if (live.alive) {
      if (result.status === 'passed' && (live.verdict || live.cycled)) crashed(result, live.verdict ?? `the device crashed: ${live.cycled}`, live);
      return undefined;
    }
    if (result.status === 'passed') crashed(result, live.verdict ?? `the device crashed and stays silent: ${live.evidence}`, live);
    return `device lost since ${planned.testCase.suite.name} › ${planned.testCase.name}: ${live.evidence}`;
  }

  private guard(env: AttemptEnv, device: DeviceSpec, planned: PlannedTest): InputGuard | undefined {
    const session = env.session;
    if (!this.hurts(planned) || !session?.baseline || !session.judge) return undefined;
    return { before: (ctx) => session.baseline!(device, ctx), after: (ctx) => session.judge!(device, ctx) };
  }

  /** A robustness test's input could hurt the device; with --probe-after-post, every test's. */
  private hurts(planned: PlannedTest): boolean {
    return planned.testCase.suite.branch === 'robustness' || this.options.probeAfterPost;
  }

  /** `result`: the attempt the after-test probe belongs to; what the session attaches (a reproducer) lands on it. */
  private async probe(env: AttemptEnv, device: DeviceSpec, tc: TestCase, when: 'health' | 'after-test', result?: TestResult): Promise<Liveness> {
    const liveness = env.session?.liveness;
    if (!liveness) return { alive: true };
    try {
      return await liveness.call(env.session, device, { rig: env.rig, testCase: tc, signal: env.runSignal, log: () => undefined, attach: (a) => result?.attachments.push(a) }, when);
    } catch (e) {
      return { alive: false, evidence: `liveness probe failed: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  private endWithout(tc: TestCase, status: 'skipped' | 'error', reason: string, kind: 'error' | 'rig-fault' = 'error', stopped = false): void {
    const now = this.options.clock.now();
    const result: TestResult = { testId: tc.id, retry: 0, status, willRetry: false, startTime: now, duration: 0, steps: [], attachments: [] };
    if (stopped) result.stopped = true;
    if (status === 'skipped') result.skipReason = reason;
    else result.failure = { kind, message: reason };
    this.record(tc, result);
  }

  private record(tc: TestCase, result: TestResult): void {
    this.attempts.set(tc.id, [...(this.attempts.get(tc.id) ?? []), result]);
    this.reporter.onTestEnd(tc, result);
  }

  private async closeSession(): Promise<void> {
    try {
      await this.input.session?.close?.();
    } catch (e) {
      this.reporter.onError({ message: `device session close failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /** Attempts so far, by test id; for callers that want outcomes without writing a reporter. */
  results(): ReadonlyMap<string, readonly TestResult[]> {
    return this.attempts;
  }
}

/**
 * A test that did not run entirely under its device's lease: whatever it saw may be another run's
 * doing (a power cycle, a configuration change), so its verdict, pass or fail, is not evidence.
 */
function untrusted(result: TestResult, device: DeviceSpec, loss: LeaseLoss): void {
  if (result.status === 'interrupted' || result.status === 'skipped') return;
  const verdict = result.failure ? `${result.status}: ${result.failure.message}` : result.status;
  result.status = 'error';
  result.failure = {
    kind: 'error',
    message: `lease on ${device.name} lost at ${iso(loss.at)}: another run may have used the device; this result cannot be trusted`,
    likelyCause: `${loss.why}; the test itself had ${verdict}`,
    fix: "run the test again once the device is this run's alone (hil locks shows who holds it)",
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const CRASH_FIX = "give the firmware team this input with the test's pcap and console log; once fixed, the same test (hil run --grep) must pass";
const CRASH_CAUSE = "this test's input crashed, hung, rebooted or degraded the device firmware (the input is below; its pcap and console log are attached)";

/** A test whose own checks passed, after which the device crashed, hung, rebooted or degraded: its input hurt it. */
function crashed(result: TestResult, verdict: string, live: Liveness): void {
  result.status = 'failed';
  result.failure = { kind: 'expectation', ...harm(live), message: verdict, likelyCause: CRASH_CAUSE, fix: CRASH_FIX };
}

/** The judge's class, the input it blames and its reproducer, as failure fields. */
function harm(live: Liveness): Pick<Failure, 'crash' | 'input' | 'reproducer'> {
  return { ...(live.crash ? { crash: live.crash } : {}), ...(live.input?.length ? { input: live.input } : {}), ...(live.reproducer ? { reproducer: live.reproducer } : {}) };
}

/**
 * Every test running holds an abort listener on the run's signals (one device each, plus its
 * liveness probe): a rig of more than ten devices in parallel is no leak, and Node's warning at
 * eleven listeners sent people looking for one.
 */
function uncappedController(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}
