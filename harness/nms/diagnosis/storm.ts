/**
 * A registration storm, seen in the NMS's event log: more POST /r from one device within a
 * minute than its trickle timer allows (the reference agent waits at least 10 s between attempts,
 * so a healthy device sends at most 6 a minute and 12 is already generous). Whatever branch the
 * walk lands in, a storm floods a 115200-baud mesh and is said beside it.
 */
import { formatDuration } from '../../../core/duration.js';
import type { NmsEvent } from '../events.js';

/** More POST /r than this within any minute of the rig's clock is a storm. */
export const STORM_PER_MINUTE = 12;
const MINUTE_MS = 60_000;

/** How far back the NMS looks for a storm, whatever window a diagnosis has. */
export const STORM_LOOKBACK_MS = MINUTE_MS;

/** Clock ms of the registration attempts among `events`. */
export function attemptTimes(events: readonly NmsEvent[]): number[] {
  return events.filter((e) => e.name === 'registrationRequest' || e.name === 'registrationRejected').map((e) => e.at);
}

/** The storm's description, or undefined when the device's attempts (clock ms, oldest first) stay within its timer. */
export function registrationStorm(at: readonly number[]): string | undefined {
  let busiest = 0;
  for (let first = 0, last = 0; last < at.length; last++) {
    while (at[last]! - at[first]! >= MINUTE_MS) first++;
    busiest = Math.max(busiest, last - first + 1);
  }
  if (busiest <= STORM_PER_MINUTE) return undefined;
  const spanMs = Math.max(1, at[at.length - 1]! - at[0]!);
  const perMinute = Math.round(((at.length - 1) * MINUTE_MS) / spanMs);
  return `registration storm: ${at.length} POST /r in ${formatDuration(spanMs)} (${perMinute}/min; ${busiest} within one minute, more than the ${STORM_PER_MINUTE} a trickle timer allows)`;
}
