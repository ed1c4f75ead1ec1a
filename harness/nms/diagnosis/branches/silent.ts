/**
 * A silent device is not a flowchart branch: it answers nothing, so every branch after the
 * status look would be decided by missing answers (a "firmware group differs" read off a GET 58
 * that timed out). The walk stops here and says what was tried instead of guessing.
 */
import type { Looked } from '../facts.js';
import { conclude, type Diagnosis } from '../result.js';

export function silentDevice(f: Looked<'nms' | 'status'>): Diagnosis | undefined {
  if (f.status.reachable) return undefined;
  const g = f.given;
  return conclude(
    f,
    'silent',
    `The device answered nothing in time: GET 35 (WPANStatus) went unanswered${f.nms.heardFromDevice || g.registrationCount > 0 || g.reportCount > 0 ? '' : ', and no /r or report from it ever reached the NMS'} (NMS state ${g.state}). No flowchart branch can be decided from missing answers.`,
    'Check that the device has power and its console answers; power-cycle it once. If it stays silent its firmware has crashed or hung (give the firmware team the pcap and console log of the test).',
  );
}
