/**
 * The DeviceSession of a bench: before each test the device is switched on if an earlier test
 * left it off; after each test, whatever happened, what the test changed on the NMS side is put
 * back (this device's firewall rule and request address) and the board is powered again.
 * Device-side faults a suite sets up through the console are undone by that suite's own
 * `teardown` steps, which use the same console templates of the rig file: the suite says in one
 * place what it breaks and how it is repaired.
 *
 * A restore that fails (power command failing) marks the device unusable for the rest of the run.
 * `hooks` let the app attach per-test captures (pcap, console log) to the same lifetime.
 */
import { ResourceError } from '../../core/errors.js';
import type { DeviceSpec } from '../config/rig.js';
import type { CrashJudgement, DeviceSession, HookContext, Liveness } from '../runner/executor.js';
import { canonicalIpv6 } from '../../drivers/ip/address.js';
import type { FrameEvent } from '../model/observations.js';
import { describeSentFrame } from './sent-input.js';
import { consoleState, probeLiveness, type LivenessOptions } from './liveness.js';
import { classifyAnswering, classifySilent, type CrashVerdict, type DeviceSnapshot } from './crash-class.js';
import { baselineSnapshot, snapshotDevice } from './crash-probe.js';
import type { Bench } from './bench.js';
import { describeStart, reRegister, type SessionStartPolicy } from './session-start.js';

export interface SessionHooks {
  /** Before the device's setup (capture starts). */
  testStart?(device: DeviceSpec, ctx: HookContext): void | Promise<void>;
  /** After its restore, also when the restore failed (capture stops, attachments are made). */
  testEnd?(device: DeviceSpec, ctx: HookContext): void | Promise<void>;
  /** Run start and end. */
  open?(devices: readonly DeviceSpec[], signal: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Writes a crashing test's reproducer (harness/app/reproducers.ts): the session only knows that the
 * test's input hurt the device; files of the reports belong to the app. Returns the file's path.
 */
export interface ReproducerSink {
  write(device: DeviceSpec, ctx: HookContext, found: CrashJudgement): string | undefined;
}

/**
 * Suites that need the device registered by this run's NMS (a suite's `freshRegistration`), by
 * suite file, and how the rig's session started: only an as-found start leaves a device
 * registered to someone else.
 */
export interface FreshRegistrationPlan {
  policy: SessionStartPolicy | undefined;
  suiteFiles: ReadonlySet<string>;
}

export class BenchSession implements DeviceSession {
  constructor(
    private readonly bench: Bench,
    private readonly hooks: SessionHooks = {},
    private readonly fresh: FreshRegistrationPlan = { policy: undefined, suiteFiles: new Set() },
    private readonly livenessOptions: LivenessOptions = {},
    private readonly reproducers?: ReproducerSink,
  ) {}

  /** suite file + device pairs already brought to a registration of ours. */
  private readonly freshDone = new Set<string>();
  /** Snapshots taken before a test that could hurt (and when, wall ms), by device name; consumed by the after-test probe. */
  private readonly baselines = new Map<string, { snap: DeviceSnapshot; wallAt: number }>();
  /** What the input of the device's current test did, from judge() to the after-test liveness. */
  private readonly verdicts = new Map<string, CrashJudgement>();

  async open(devices: readonly DeviceSpec[], signal: AbortSignal): Promise<void> {
    await this.hooks.open?.(devices, signal);
  }

  async setup(device: DeviceSpec, ctx: HookContext): Promise<void> {
    await this.hooks.testStart?.(device, ctx);
    // Testing another board under this one's name would judge the wrong firmware.
    const refused = this.bench.refusal(device.name);
    if (refused !== undefined) throw new ResourceError(device.name, 'state', `not tested: ${refused}`);
    const journal = this.bench.journal(device.name);
    if (journal.poweredOff) await this.powerOn(device, ctx);
    journal.firewall = false;
    journal.replyFrom = false;
    journal.outOfInventory = false;
    journal.console = [];
    journal.newBoot = false;
    await this.freshRegistration(device, ctx);
  }

  /** Before the first test of a suite that needs it, on an as-found start: a registration this NMS answered. */
  private async freshRegistration(device: DeviceSpec, ctx: HookContext): Promise<void> {
    const suite = ctx.testCase.suite.file;
    const key = `${suite}\n${device.name}`;
    if (this.fresh.policy !== 'as-found' || !this.fresh.suiteFiles.has(suite) || this.freshDone.has(key)) return;
    this.freshDone.add(key);
    const rec = this.bench.nms.devices.require(device.name);
    if (rec.reportIntervalSource === 'registration') {
      ctx.log(`fresh registration for suite ${ctx.testCase.suite.name}: ${device.name} already registered with this NMS (${rec.registrationCount} registration(s) answered)`);
      return;
    }
    const s = await reRegister(this.bench, device.name);
    ctx.log(`fresh registration for suite ${ctx.testCase.suite.name}: ${describeStart(s).replace(/^session start re-register: /, '')}`);
  }

  async restore(device: DeviceSpec, ctx: HookContext): Promise<void> {
    try {
      const journal = this.bench.journal(device.name);
      if (journal.firewall) {
        this.bench.firewall.clear(device.address);
        this.bench.firewall.resetCounts(device.address);
        ctx.log(`firewall open again for ${device.address}`);
        journal.firewall = false;
      }
      if (journal.outOfInventory) {
        this.bench.nms.setInInventory(device.name, true);
        ctx.log(`${device.name} is in the NMS inventory again`);
        journal.outOfInventory = false;
      }
      if (journal.replyFrom) {
        this.bench.sources.reset(device.name);
        ctx.log(`requests to ${device.name} leave from fnd again`);
        journal.replyFrom = false;
      }
      if (journal.poweredOff) await this.powerOn(device, ctx);
    } finally {
      await this.hooks.testEnd?.(device, ctx);
    }
  }

  async close(): Promise<void> {
    await this.hooks.close?.();
  }

  async baseline(device: DeviceSpec, ctx: HookContext): Promise<void> {
    this.baselines.delete(device.name);
    this.verdicts.delete(device.name);
    const snap = await baselineSnapshot(this.bench, device, this.probeMs());
    if (snap) this.baselines.set(device.name, { snap, wallAt: Date.now() });
    ctx.log(snap ? `baseline of ${device.name}: Uptime ${snap.uptimeS ?? '?'} s, SessionID ${snap.sessionId ?? 'none'}` : `no baseline of ${device.name}: GET 22,7,45 not answered`);
  }

  async judge(device: DeviceSpec): Promise<void> {
    const base = this.baselines.get(device.name);
    this.baselines.delete(device.name);
    if (!base) return;
    const before = base.snap;
    const started = Date.now();
    const sent = this.bench.frames?.sentTo(canonicalIpv6(device.address), base.wallAt, started) ?? [];
    const after = await snapshotDevice(this.bench, device, this.probeMs());
    let v: CrashVerdict | undefined;
    // A test that restarted the device itself only learns whether it came back.
    if (after) v = this.bench.journal(device.name).newBoot ? undefined : classifyAnswering(before, after);
    else {
      const con = await consoleState(this.bench, device, this.livenessOptions.consoleTimeoutMs ?? 2000);
      v = classifySilent({ consoleAnswers: con.present ? con.ok : undefined, evidence: `no answer to GET 22,7,45 within ${this.probeMs() / 1000} s; ${con.text}` });
    }
    // Time to detect: real ms from the end of the test's input to the verdict.
    if (v) this.verdicts.set(device.name, { verdict: `${v.message}; detected in ${Date.now() - started} ms`, crash: v.class, input: inputLines(sent) });
  }

  async liveness(device: DeviceSpec, ctx: HookContext, when: 'health' | 'after-test'): Promise<Liveness> {
    let judged = when === 'after-test' ? this.verdicts.get(device.name) : undefined;
    this.verdicts.delete(device.name);
    const reproducer = judged ? this.reproducers?.write(device, ctx, judged) : undefined;
    if (judged && reproducer) judged = { ...judged, reproducer };
    const live = await probeLiveness(this.bench, device, ctx.signal, { ...this.livenessOptions, health: when === 'health' });
    return judged ? { ...live, ...judged } : live;
  }

  private probeMs(): number {
    return this.livenessOptions.probeTimeoutMs ?? 4000;
  }

  private async powerOn(device: DeviceSpec, ctx: HookContext): Promise<void> {
    const power = this.bench.power(device.name);
    if (!power) return;
    await power.switch('on', { signal: ctx.signal });
    this.bench.journal(device.name).poweredOff = false;
    ctx.log(`power on (the previous test left ${device.name} off)`);
  }
}

/** The frames a crash verdict blames, the last few when a test sent many. */
const INPUT_FRAMES_SHOWN = 8;

function inputLines(sent: readonly FrameEvent[]): string[] {
  const shown = sent.slice(-INPUT_FRAMES_SHOWN).map(describeSentFrame);
  return sent.length > shown.length ? [`(${sent.length - shown.length} earlier frame(s) of the test not shown; all are in its pcap)`, ...shown] : shown;
}
