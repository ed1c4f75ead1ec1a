/**
 * A fuzz campaign against one device: input after input (each derived from (seed, i) alone), a
 * liveness probe after each. A device that stops answering is a finding: the input is recorded,
 * the device is power-cycled when it can be, and the input minimised while it still crashes.
 * Findings whose minimised inputs are equal are one finding seen several times. Without power
 * control a crashed device cannot be fuzzed further, so the campaign ends at its first finding.
 */
import { minimise } from './minimise.js';
import { describeInput, inputKey, type FuzzInput } from './fuzz-input.js';
import { fuzzInputAt, type MutatorCorpus } from './mutator.js';
import type { WindowFrame } from './input-window.js';

/** The device as the campaign sees it (harness/fuzz/bench-target.ts over an opened bench). */
export interface FuzzTarget {
  /** Sends the input; what the device answers does not matter, only whether it still lives. */
  send(input: FuzzInput): Promise<void>;
  /** A cheap GET; true when the device answered at all. */
  probe(): Promise<boolean>;
  /** Power-cycles the device and waits until it answers again; absent without power control. */
  recover?: () => Promise<boolean>;
  /** What the wire and the console showed since the last input was sent (taken when a crash is detected). */
  evidence?: () => Promise<FindingEvidence>;
}

export interface FindingEvidence {
  /** Frames to and from the device since the crashing input was sent: the input, the unanswered probes. */
  frames: WindowFrame[];
  /** Frames beyond the window's bound, not kept. */
  droppedFrames: number;
  /** Console transcript over the same time, when the rig has a console for the device. */
  console?: string;
  /** Whether the console still gave its prompt when the crash was detected. */
  consoleAnswers?: boolean;
}

export interface Finding {
  /**
   * No answer to the probe after the input: 'hung' when the board's console gave no prompt either
   * (harness/steps/crash-class.ts's classes), else 'crashed'.
   */
  kind: 'crashed' | 'hung';
  /** The campaign input that first caused it. */
  index: number;
  input: FuzzInput;
  /** The smallest input found that still causes it (the input itself when not minimised). */
  minimised: FuzzInput;
  minimisedBy: 'power-cycle' | 'none';
  /** Campaign inputs that caused the same minimised crash. */
  hits: number[];
  detectMs: number;
  /** Whether the device answered again after its power cycle (false: the campaign stopped). */
  recovered: boolean;
  /** The wire and console around the first crash, before any power cycle. */
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

export async function runCampaign(target: FuzzTarget, opts: CampaignOptions): Promise<CampaignResult> {
  const now = opts.now ?? Date.now;
  const start = now();
  const findings: Finding[] = [];
  const byKey = new Map<string, Finding>();
  let i = 0;
  let ended: CampaignResult['ended'] = 'budget';
  const crashes = async (candidate: FuzzInput): Promise<boolean> => {
    await target.send(candidate);
    if (await target.probe()) return false;
    if (!(await target.recover!())) throw new DeviceLost(describeInput(candidate));
    return true;
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
      await target.send(input);
      const alive = await target.probe();
      opts.onProgress?.({ inputs: i + 1, findings: findings.length, elapsedMs: now() - start });
      if (alive) continue;
      const detectMs = now() - sent;
      const evidence = await target.evidence?.();
      const seen = evidence ? { evidence } : {};
      const kind = evidence?.consoleAnswers === false ? 'hung' : 'crashed';
      if (!target.recover) {
        const f: Finding = { kind, index: i, input, minimised: input, minimisedBy: 'none', hits: [i], detectMs, recovered: false, ...seen };
        findings.push(f);
        opts.onFinding?.(f);
        ended = 'device lost';
        i++;
        break;
      }
      const recovered = await target.recover();
      const f: Finding = { kind, index: i, input, minimised: input, minimisedBy: 'none', hits: [i], detectMs, recovered, ...seen };
      if (!recovered) {
        findings.push(f);
        opts.onFinding?.(f);
        ended = 'device lost';
        i++;
        break;
      }
      try {
        f.minimised = await minimise(input, crashes);
        f.minimisedBy = 'power-cycle';
      } catch (e) {
        if (!(e instanceof DeviceLost)) throw e;
        f.recovered = false;
      }
      const key = inputKey(f.minimised);
      const same = byKey.get(key);
      if (same) {
        same.hits.push(i);
      } else {
        byKey.set(key, f);
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
