/**
 * One line per branch of the registration troubleshooting flowchart, in the words a lab uses for
 * it: failure messages, `hil diagnose` and `hil list` lead with it, the diagnosis's own cause and
 * fix follow.
 */
import type { DiagnosisBranch } from '../nms/diagnosis/result.js';

export const BRANCH_HEADLINE: Record<DiagnosisBranch, string> = {
  registration: 'registration does not complete',
  'firmware-group': 'running firmware group differs from the expected one (GroupAssign)',
  'firmware-info': 'running firmware (TLV 75) differs from the expected version or hwId',
  'nms-cert': 'NMS certificate on the meter is bad or was copied wrongly',
  'flash-corruption': 'hardware/flash corruption: flash-backed fields come back absent',
  'demo-mode': 'meter left in demo mode; contact the meter vendor',
  'clock-skew': 'device clock skewed: NMS signatures rejected (SignatureValidity), device stuck registering',
  firewall: 'firewall blocks inbound CSMP: meter reported down',
  'load-balancer': 'answers go to the load-balancer VIP instead of the server that asked',
  silent: 'no answer from the device reached the NMS in time; no flowchart branch is guessed from missing answers',
  inconclusive: 'not every check was answered: no fault found in what was, and the device is not called healthy on checks left open',
  healthy: 'no fault found: the device is up and every check passed',
};
