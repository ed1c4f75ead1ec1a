/** Firmware group mismatch → GroupAssign (csmp-protocol.md 9): the device runs in another firmware group than the rig expects. */
import { expectedGroup, FIRMWARE_GROUP } from '../../groups.js';
import type { Looked } from '../facts.js';
import { conclude, type Diagnosis } from '../result.js';

export function firmwareGroup(f: Looked<'nms' | 'groups'>): Diagnosis | undefined {
  const want = expectedGroup(f.given.device.expected?.firmwareGroup);
  const running = f.groups.running;
  if (!f.groups.known) return undefined;
  if (want === undefined || (running.get(FIRMWARE_GROUP) ?? 0) === want) return undefined;
  const { firmwareGroupMismatches: mismatches, signatureFailures } = f.nms;
  return conclude(
    f,
    'firmware-group',
    `Running firmware group on the device is ${running.has(FIRMWARE_GROUP) ? `id=${running.get(FIRMWARE_GROUP)}` : 'not reported'} but must be id=${want}${mismatches > 0 ? `; the NMS sent GroupAssign ${mismatches} time(s) and the device did not apply it${signatureFailures > 0 ? ' (it rejects the signed response: Invalid CSMP Signature)' : ''}` : ''}.`,
    `Let the device accept GroupAssign{type 2, id ${want}} (in the signed 2.03 or a signed unicast POST): fix whatever makes it reject signed messages, or move it to firmware group ${want} in the NMS.`,
  );
}
