/**
 * An inconclusive walk is not a flowchart branch: no branch matched what the device answered, but
 * it left some looks unanswered (a lost GET, the GETs not sent after it, a console read that
 * failed). A check the device did not answer passes by default, so "healthy" (or "none of the
 * specific branches matched") would be a guess; the walk says which checks are open instead.
 */
import type { Facts } from '../facts.js';
import { conclude, type Diagnosis } from '../result.js';

/** What an inconclusive walk says after its cause when a storm or reboot loop decides the branch. */
export function openChecks(f: Facts): string {
  return `Not every check of the flowchart was answered: ${f.unanswered.join('; ')}.`;
}

export function inconclusive(f: Facts): Diagnosis | undefined {
  if (f.unanswered.length === 0) return undefined;
  return conclude(
    f,
    'inconclusive',
    `The device is ${f.given.state}, but not every check of the flowchart was answered: ${f.unanswered.join('; ')}. No branch matched what was answered, and a check left unanswered clears nothing.`,
    "Diagnose again. A device that answers some requests and not others loses them: compare the pcap of this walk (the requests sent, the answers missing) with the dongle's drop counters and the mesh link, and give the firmware team the pcap if the radio path is clean; a console that does not answer needs its cable, port and prompt checked.",
  );
}
