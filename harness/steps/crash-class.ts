/**
 * What an input that could hurt did to a device (issue 8 item 2), judged from a cheap snapshot
 * taken before it (Uptime 22, SessionID 7, CGMSStats 45) and one taken after. Pure: the probing
 * lives in crash-probe.ts. A new POST /r alone is no evidence: a healthy meter re-registers when
 * the harness's own steps ask it to, so a reboot is read from Uptime.
 *
 * - crashed: stops answering on the radio; a console, if any, still answers.
 * - hung: radio silent and the console does not answer either.
 * - rebooted: answers with a fresh boot (Uptime fell behind the time that passed, a new
 *   SessionID along with it).
 * - degraded: answers, uptime continuous, but CGMSStats went backwards or the session was reset.
 */

export type CrashClass = 'crashed' | 'hung' | 'rebooted' | 'degraded';

export interface DeviceSnapshot {
  /** Uptime (TLV 22) in seconds, when the device gave it. */
  uptimeS?: number;
  /** SessionID (TLV 7); undefined when the device has none. */
  sessionId?: string;
  /** CGMSStats (TLV 45) numeric counters. */
  stats?: Readonly<Record<string, number>>;
  /** Clock ms the GET was sent (the rig's clock: device seconds on a scaled virtual rig). */
  at: number;
  /**
   * Clock ms its answer arrived. Elapsed time is counted from the baseline's answer to the later
   * GET's sending — a lower bound — so a slow answer on a loaded machine never reads as a reboot.
   */
  answeredAt?: number;
}

export interface SilentProbe {
  /** The console answered its prompt; undefined when the rig has no console for it. */
  consoleAnswers: boolean | undefined;
  /** The liveness evidence (what was tried). */
  evidence: string;
}

export interface CrashVerdict {
  class: CrashClass;
  /** Starts with the class: "the device rebooted after this input: …". */
  message: string;
}

/**
 * Uptime may lag wall time by this much (second rounding, clock drift) before it counts as a
 * reboot. Probe latency needs none: elapsed time is a lower bound (see DeviceSnapshot.answeredAt).
 * A generous share would hide a reboot early in a long test of a device booted just before it
 * (baseline Uptime 15 s, reset 10 s into a 300 s wait: 290 s against 315 s).
 */
export function uptimeSlackS(elapsedS: number): number {
  return Math.max(2, elapsedS * 0.02);
}

/** A device that did not answer its probe: hung when the console is dead too, else crashed. */
export function classifySilent(p: SilentProbe): CrashVerdict {
  const cls: CrashClass = p.consoleAnswers === false ? 'hung' : 'crashed';
  const what = cls === 'hung' ? 'radio silent and console unresponsive' : p.consoleAnswers ? 'radio silent, console still answers' : 'radio silent';
  return { class: cls, message: `the device ${cls} after this input: ${what} (${p.evidence})` };
}

/** A device that answered after the input; undefined when nothing says it suffered. */
export function classifyAnswering(before: DeviceSnapshot, after: DeviceSnapshot): CrashVerdict | undefined {
  const elapsedS = Math.max(0, (after.at - (before.answeredAt ?? before.at)) / 1000);
  const reboot: string[] = [];
  if (before.uptimeS !== undefined && after.uptimeS !== undefined && after.uptimeS + uptimeSlackS(elapsedS) < before.uptimeS + elapsedS)
    reboot.push(`Uptime ${after.uptimeS} s, was ${before.uptimeS} s before the test ${fmt(elapsedS)} s earlier`);
  const sessionChanged = before.sessionId !== undefined && after.sessionId !== before.sessionId;
  if (reboot.length) {
    if (sessionChanged) reboot.push(`SessionID ${show(after.sessionId)}, was ${show(before.sessionId)}`);
    return { class: 'rebooted', message: `the device rebooted after this input: ${reboot.join('; ')}` };
  }
  const degraded: string[] = [];
  const back = countersBackwards(before.stats, after.stats);
  if (back.length) degraded.push(`CGMSStats went backwards (${back.join(', ')})`);
  if (sessionChanged) degraded.push(`SessionID ${show(after.sessionId)}, was ${show(before.sessionId)} (the session was reset without a reboot)`);
  if (!degraded.length) return undefined;
  return { class: 'degraded', message: `the device degraded after this input: it answers and its uptime is continuous, but ${degraded.join('; ')}` };
}

/** "sigOk 7 → 0" for each counter that fell. */
export function countersBackwards(before: Readonly<Record<string, number>> | undefined, after: Readonly<Record<string, number>> | undefined): string[] {
  if (!before || !after) return [];
  return Object.keys(before)
    .filter((k) => typeof after[k] === 'number' && after[k]! < before[k]!)
    .map((k) => `${k} ${before[k]} → ${after[k]}`);
}

function show(id: string | undefined): string {
  return id === undefined ? 'none' : JSON.stringify(id);
}

function fmt(s: number): string {
  return String(Math.round(s * 10) / 10);
}
