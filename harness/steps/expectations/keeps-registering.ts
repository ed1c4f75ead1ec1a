/**
 * `expect-state: { state: registering, for }`: the NMS shows Registering from a device's last
 * POST /r on, with no end, so a device that stopped trying looks there like one still retrying.
 * Held for a while, the state counts only with the device's attempts (answered, refused, or
 * dropped by the NMS firewall) no further apart than its retry timer allows, the last one as
 * recent at the end.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { formatDuration } from '../../../core/duration.js';
import type { NmsEvent } from '../../nms/events.js';
import type { DeviceRecord } from '../../nms/device-state.js';
import type { StepOutcome } from '../../runner/executor.js';
import { REGISTRATION_ATTEMPTS } from '../attempt-memory.js';
import { transitionsSeen } from '../seen.js';
import type { StepRun } from '../step-run.js';
import { abortable, waitTransition } from '../waits.js';

/** The largest trickle max the reference agent accepts (csmp-protocol.md 6.2): no device of the rig retries slower. */
const UNKNOWN_MAX_S = 36_000;

/**
 * The longest silence between attempts of a device still retrying. The reference agent's trickle
 * (and the draft's algorithm, doc 6.2) fires at t0 + U[I/2, I), then moves t0 by I and doubles I
 * up to max: an attempt at t0 + I/2 or later is followed by one before t0 + I + I', less than
 * I/2 + I' ≤ 1.5 max later, and no shorter bound holds for every draw (the max alone would fail
 * a healthy device drawing late then early). Arrival times carry the mesh's delay and, on a scaled
 * rig, the host's scheduling: a real second of slack (as expect-load allows), at least 5 s.
 */
export function retryBoundMs(run: StepRun): { ms: number; maxS: number; given: boolean } {
  const given = run.ctx.device.regIntervalMax;
  const maxS = given ?? UNKNOWN_MAX_S;
  return { ms: maxS * 1500 + Math.max(5000, run.bench.toClockMs(1000)), maxS, given: given !== undefined };
}

const seconds = (ms: number): string => formatDuration(Math.max(1000, Math.round(ms / 1000) * 1000));

const LOOP_RESOLUTION_MS = 20;

/**
 * Real ms this process stood still since `h` was enabled (each sample's delay past its interval,
 * summed). A stalled harness delays its view of every device alike, and on the virtual rig the
 * meters' own timers with it: the time is allowed on top of the retry bound, never counted as the
 * device's silence (a busy CI machine must not fail a healthy meter).
 */
function stalledMs(h: IntervalHistogram): number {
  if (h.count === 0) return 0;
  return Math.max(0, (h.mean * h.count) / 1e6 - h.count * LOOP_RESOLUTION_MS);
}

export async function keepsRegistering(run: StepRun, rec: DeviceRecord, forMs: number, more: Pick<StepOutcome, 'likelyCause' | 'fix'>): Promise<StepOutcome> {
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  try {
    return await watch(run, rec, forMs, more, () => run.bench.toClockMs(stalledMs(loop)));
  } finally {
    loop.disable();
  }
}

async function watch(run: StepRun, rec: DeviceRecord, forMs: number, more: Pick<StepOutcome, 'likelyCause' | 'fix'>, stalled: () => number): Promise<StepOutcome> {
  const { bench, ctx, attempt } = run;
  const dev = ctx.device.name;
  const { clock, nms } = bench;
  const bound = retryBoundMs(run);
  const start = clock.now();
  const end = start + forMs;
  const isAttempt = (e: NmsEvent): boolean => e.device === dev && REGISTRATION_ATTEMPTS.has(e.name);
  const before = nms.events.find(isAttempt).at(-1);
  // The state began with an attempt: the /r the NMS answered.
  let last = before?.at ?? rec.since;
  let seq = nms.events.mark();
  let count = 0;
  let longest = 0;
  const when = (at: number): string =>
    at >= start + 500 ? `${seconds(at - start)} into the ${formatDuration(forMs)}` : start - at < 1000 ? `as the ${formatDuration(forMs)} began` : `${seconds(start - at)} before the ${formatDuration(forMs)} began`;
  const allowed = `${formatDuration(bound.ms)}: 1.5 × ${bound.given ? `its regIntervalMax ${bound.maxS} s` : `${bound.maxS} s, the rig giving no regIntervalMax for ${dev}`} and ${formatDuration(bound.ms - bound.maxS * 1500)} for delivery`;
  const stall = (): string => {
    const ms = stalled();
    return ms >= 1000 ? `; the harness itself stood still ${seconds(ms)} of it, allowed on top` : '';
  };
  const silent = (from: number, to: number, resumed: boolean): StepOutcome => ({
    status: 'failed',
    message: `${dev} stayed registering but stopped trying: no POST /r reached the NMS for ${seconds(to - from)} (its retry timer allows ${formatDuration(bound.ms)}); last heard trying ${when(from)}${resumed ? `, then again ${when(to)}` : ''}${stall()}`,
    expected: `registering for ${formatDuration(forMs)}, a registration attempt at least every ${allowed}`,
    seen: `${count} registration attempt(s) in the ${formatDuration(forMs)}${before ? `; before it ${before.name} ${when(before.at)}` : ''}; ${transitionsSeen(rec, attempt.window.atMs)}`,
    ...more,
  });
  // Set once a silence was seen and the harness given a moment to sample its own stall and take
  // in what the stall held back, before the device is called silent.
  let settled = false;
  for (;;) {
    const fresh = nms.events.find(isAttempt, seq);
    const now = clock.now();
    // An attempt that came later than the retry timer allows, but within the time the harness
    // itself stood still, resumed a device the harness could not watch: it counts as trying.
    const allowedMs = bound.ms + stalled();
    let gap: { from: number; to: number; resumed: boolean } | undefined;
    let at = last;
    for (const e of fresh) {
      if (e.at - at > allowedMs) {
        gap = { from: at, to: e.at, resumed: true };
        break;
      }
      at = e.at;
    }
    if (!gap && Math.min(now, end) - at > allowedMs) gap = { from: at, to: Math.min(now, end), resumed: false };
    if (gap && !settled) {
      settled = true;
      await abortable(ctx.signal, new Promise<void>((resolve) => setTimeout(resolve, 3 * LOOP_RESOLUTION_MS)));
      continue;
    }
    if (gap) return silent(gap.from, gap.to, gap.resumed);
    settled = false;
    for (const e of fresh) {
      longest = Math.max(longest, e.at - last);
      last = e.at;
      count++;
    }
    seq = nms.events.mark();
    if (now >= end) break;
    const left = await abortable(ctx.signal, waitTransition(bench, rec, (t) => t.from === 'registering', Math.min(end, last + allowedMs + 1) - now));
    if (left) {
      return {
        status: 'failed',
        message: `${dev} left registering for ${left.to} (${left.reason}) before ${formatDuration(forMs)} had passed`,
        expected: `registering for ${formatDuration(forMs)}`,
        seen: transitionsSeen(rec, attempt.window.atMs),
        ...more,
      };
    }
  }
  longest = Math.max(longest, end - last);
  // Silent past its retry timer at the end, by less than the harness stood still: whether it
  // stopped or the stall held its next attempt back cannot be told, and neither verdict is claimed.
  if (end - last > bound.ms) {
    return {
      status: 'error',
      message: `${dev} sent no POST /r for the last ${seconds(end - last)} of the ${formatDuration(forMs)}, more than its retry timer allows (${formatDuration(bound.ms)}), but the harness itself stood still ${seconds(stalled())} meanwhile: whether the device stopped trying cannot be told`,
      expected: `registering for ${formatDuration(forMs)}, a registration attempt at least every ${allowed}`,
      seen: `${count} registration attempt(s) in the ${formatDuration(forMs)}, the last ${when(last)}`,
      likelyCause: 'the machine running the harness is too loaded to time the device\'s retries (its event loop stood still): rerun on a quieter machine, or hold the state longer',
    };
  }
  return {
    status: 'passed',
    message: `${dev} is registering and stayed ${formatDuration(forMs)}, trying all along: ${count} registration attempt(s), none more than ${seconds(longest)} apart (allowed ${formatDuration(bound.ms)}${stalled() >= 1000 ? `, and ${seconds(stalled())} the harness itself stood still` : ''})`,
  };
}
