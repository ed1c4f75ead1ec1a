/**
 * A fuzz campaign against one device: input after input (each derived from (seed, i) alone), a
 * probe after each that is also the next input's baseline (Uptime, SessionID, CGMSStats), so every
 * input is judged in the four classes of harness/steps/crash-class.ts at no extra cost:
 * - silent after it: probed once more (a device may be rebooting); still silent is *crashed*, or
 *   *hung* when the console is dead too; the device is power-cycled when it can be. Without power
 *   control it cannot be fuzzed further, so the campaign ends at that finding;
 * - answering with a fresh boot (*rebooted*), or with counters gone backwards or its session reset
 *   (*degraded*): a finding, and the campaign goes on from the new baseline. An input that asks
 *   for a reboot (RebootRequest, LoadRequest) or a new SessionID is not faulted for getting it.
 * Each finding's input is minimised while it still gives the same class, except a degraded one: its
 * counters, once reset, cannot fall again, so it is reported as found. Findings whose minimised
 * inputs are equal are one finding seen several times.
 */
import { classifyAnswering, classifySilent, countersBackwards, uptimeSlackS, type CrashClass, type CrashVerdict, type DeviceSnapshot } from '../steps/crash-class.js';
import { TLV } from '../csmp/tlv-ids.js';
import { minimise } from './minimise.js';
import { describeInput, inputKey, type FuzzInput } from './fuzz-input.js';
import { fuzzInputAt, type MutatorCorpus } from './mutator.js';
import type { WindowFrame } from './input-window.js';

/** The device as the campaign sees it (harness/fuzz/bench-target.ts over an opened bench). */
export interface FuzzTarget {
  /** Sends the input; what the device answers does not matter, only what the probe after it finds. */
  send(input: FuzzInput): Promise<void>;
  /** A cheap GET of DeviceID with Uptime, SessionID and CGMSStats; undefined when nothing answered. */
  probe(): Promise<DeviceSnapshot | undefined>;
  /** Power-cycles the device and waits until it answers again (its snapshot then); absent without power control. */
  recover?: () => Promise<DeviceSnapshot | undefined>;
  /** What the wire and the console showed since the last input was sent (taken when a finding is detected). */
  evidence?: () => Promise<FindingEvidence>;
}

export interface FindingEvidence {
  /** Frames to and from the device since the input was sent: the input, the probes. */
  frames: WindowFrame[];
  /** Frames beyond the window's bound, not kept. */
  droppedFrames: number;
  /** Console transcript over the same time, when the rig has a console for the device. */
  console?: string;
  /** Whether the console still gave its prompt when the finding was detected. */
  consoleAnswers?: boolean;
}

export interface Finding {
  kind: CrashClass;
  /** What was seen, starting with the class (for rebooted and degraded: the snapshots compared). */
  detail: string;
  /** The campaign input that first caused it. */
  index: number;
  input: FuzzInput;
  /** The smallest input found that still causes it (the input itself when not minimised). */
  minimised: FuzzInput;
  /** power-cycle: candidates that crashed were brought back by power; replay: the device answered throughout. */
  minimisedBy: 'power-cycle' | 'replay' | 'none';
  /** Campaign inputs that caused the same minimised finding. */
  hits: number[];
  detectMs: number;
  /** Whether the device answers again (false: the campaign stopped). */
  recovered: boolean;
  /** The wire and console around the first occurrence, before any power cycle. */
  evidence?: FindingEvidence;
}

export interface CampaignOptions {
  seed: number;
  corpus: MutatorCorpus;
  /** Wall-clock budget in ms. */
  budgetMs: number;
  /** At most this many inputs (a fixed-size campaign for tests and CI). */
  maxInputs?: number;
  signal?: AbortSignal;
  onProgress?: (p: CampaignProgress) => void;
  onFinding?: (f: Finding) => void;
  now?: () => number;
}

export interface CampaignProgress {
  inputs: number;
  findings: number;
  elapsedMs: number;
}

export interface CampaignResult {
  seed: number;
  inputs: number;
  elapsedMs: number;
  findings: Finding[];
  /** Why the campaign ended. */
  ended: 'budget' | 'inputs' | 'stopped' | 'device lost';
}

/** What an input did, judged from the probes before and after it; undefined when nothing suffered. */
export function judgeInput(input: FuzzInput, before: DeviceSnapshot | undefined, after: DeviceSnapshot | undefined, consoleAnswers?: boolean): CrashVerdict | undefined {
  if (!after) return classifySilent({ consoleAnswers, evidence: 'no answer to GET 2,22,7,45, twice' });
  if (!before) return undefined;
  const v = classifyAnswering(before, after);
  if (!v) return undefined;
  if (v.class === 'rebooted' && asksFor(input, [TLV.RebootRequest, TLV.LoadRequest])) return undefined;
  // A new SessionID it was given is no reset; counters that fell still are.
  if (v.class === 'degraded' && asksFor(input, [TLV.SessionID]) && !countersBackwards(before.stats, after.stats).length) return undefined;
  return v;
}

/** A new session and an Uptime no longer than the time since `before`: the device booted in between. */
function bootedSince(before: DeviceSnapshot, after: DeviceSnapshot): boolean {
  const elapsedS = Math.max(0, (after.at - (before.answeredAt ?? before.at)) / 1000);
  return after.uptimeS !== undefined && after.uptimeS <= elapsedS + uptimeSlackS(elapsedS) && after.sessionId !== before.sessionId;
}

function asksFor(input: FuzzInput, types: readonly number[]): boolean {
  return input.kind === 'post' && input.tlvs.some((t) => types.includes(t.type));
}

export async function runCampaign(target: FuzzTarget, opts: CampaignOptions): Promise<CampaignResult> {
  const now = opts.now ?? Date.now;
  const start = now();
  const findings: Finding[] = [];
  const byKey = new Map<string, Finding>();
  let i = 0;
  let ended: CampaignResult['ended'] = 'budget';
  let last = await target.probe();
  /** Sends one input and judges it against the last probe; the probe after it is the next baseline. */
  const trial = async (input: FuzzInput, withEvidence: boolean): Promise<{ verdict?: CrashVerdict; evidence?: FindingEvidence }> => {
    const before = last;
    await target.send(input);
    // A silent device may be rebooting: one more probe tells a reboot from a crash.
    const after = (await target.probe()) ?? (await target.probe());
    last = after;
    const answering = judgeInput(input, before, after);
    if (after && !answering) return {};
    const evidence = withEvidence ? await target.evidence?.() : undefined;
    const verdict = after ? answering : judgeInput(input, before, undefined, evidence?.consoleAnswers);
    return { ...(verdict ? { verdict } : {}), ...(evidence ? { evidence } : {}) };
  };
  /** Brings a silent device back; false when it cannot be. */
  const revive = async (): Promise<boolean> => {
    if (last || !target.recover) return last !== undefined;
    last = await target.recover();
    return last !== undefined;
  };
  const sameClass =
    (cls: CrashClass) =>
    async (candidate: FuzzInput): Promise<boolean> => {
      const before = last;
      const { verdict } = await trial(candidate, false);
      if (!(await revive())) throw new DeviceLost(describeInput(candidate));
      // Without a console the silent classes are one: a hung board reads as crashed here.
      if (verdict?.class === cls || (cls === 'hung' && verdict?.class === 'crashed')) return true;
      // Right after the reboot it found, a second one is too soon for Uptime to show.
      return cls === 'rebooted' && before !== undefined && last !== undefined && bootedSince(before, last);
    };
  for (; ; i++) {
    if (opts.signal?.aborted) {
      ended = 'stopped';
      break;
    }
    if (opts.maxInputs !== undefined && i >= opts.maxInputs) {
      ended = 'inputs';
      break;
    }
    if (now() - start >= opts.budgetMs) break;
    const input = fuzzInputAt(opts.seed, i, opts.corpus);
    const sent = now();
    const { verdict, evidence } = await trial(input, true);
    opts.onProgress?.({ inputs: i + 1, findings: findings.length, elapsedMs: now() - start });
    if (!verdict) continue;
    const silent = last === undefined;
    const f: Finding = { kind: verdict.class, detail: verdict.message, index: i, input, minimised: input, minimisedBy: 'none', hits: [i], detectMs: now() - sent, recovered: false, ...(evidence ? { evidence } : {}) };
    f.recovered = await revive();
    // Counters reset to zero cannot fall again, so a degraded finding is reported as found.
    if (f.recovered && f.kind !== 'degraded') {
      try {
        f.minimised = await minimise(input, sameClass(verdict.class));
        f.minimisedBy = silent ? 'power-cycle' : 'replay';
      } catch (e) {
        if (!(e instanceof DeviceLost)) throw e;
        f.recovered = false;
      }
    }
    const same = byKey.get(inputKey(f.minimised));
    if (same) same.hits.push(i);
    else {
      byKey.set(inputKey(f.minimised), f);
      findings.push(f);
      opts.onFinding?.(f);
    }
    if (!f.recovered) {
      ended = 'device lost';
      i++;
      break;
    }
  }
  return { seed: opts.seed, inputs: i, elapsedMs: now() - start, findings, ended };
}

/** The device did not come back after a power cycle during minimisation. */
class DeviceLost extends Error {
  override readonly name = 'DeviceLost';
}
