/**
 * A reboot loop, seen in the NMS's event log: a device that keeps coming back as new. Each boot
 * shows as a POST /r the NMS answered 2.03 after the device had completed an earlier registration
 * (its first report came in between): a device still trying to register (a 2.03 it refuses, a
 * signature it rejects) sends many /r without one, and is no loop. Boots the harness caused — a
 * power step, a console reboot, a LoadRequest — explain the registration that follows them.
 * A storm is told apart before this (storm.ts): a storm is said instead.
 */
import type { NmsEvent } from '../events.js';
import { attemptTimes, registrationStorm } from './storm.js';

/** This many device boots nobody asked for within LOOP_WINDOW_MS is a loop. */
export const LOOP_BOOTS = 2;
export const LOOP_WINDOW_MS = 10 * 60_000;

/**
 * Clock ms of the boots the device did on its own: each registrationRequest (a 2.03 sent) that
 * follows a registrationSuccess since the one before it, with no restart the harness asked for
 * (clock ms, any order) in between. `events` oldest first.
 */
export function unaskedBoots(events: readonly NmsEvent[], restarts: readonly number[]): { boots: number[]; since: number | undefined } {
  const boots: number[] = [];
  let previous: number | undefined;
  let since: number | undefined;
  let completed = false;
  for (const e of events) {
    if (e.name === 'registrationSuccess') completed = true;
    if (e.name !== 'registrationRequest') continue;
    if (previous !== undefined && completed && !restarts.some((r) => r > previous! && r <= e.at)) {
      since ??= previous;
      boots.push(e.at);
    }
    previous = e.at;
    completed = false;
  }
  return { boots, since };
}

/** The loop's description, or undefined when the device did not keep rebooting on its own. */
export function rebootLoop(events: readonly NmsEvent[], restarts: readonly number[]): string | undefined {
  if (registrationStorm(attemptTimes(events))) return undefined;
  const { boots, since } = unaskedBoots(events, restarts);
  let busiest = 0;
  for (let first = 0, last = 0; last < boots.length; last++) {
    while (boots[last]! - boots[first]! >= LOOP_WINDOW_MS) first++;
    busiest = Math.max(busiest, last - first + 1);
  }
  if (busiest < LOOP_BOOTS || since === undefined) return undefined;
  const spanMs = boots[boots.length - 1]! - since;
  return `reboot loop: ${boots.length} boots in ${Math.round(spanMs / 1000)} s (each a new registration after a completed one, and no power cycle, console reboot or load asked for; about every ${Math.round(spanMs / boots.length / 1000)} s)`;
}
