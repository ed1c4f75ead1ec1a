/**
 * What the NMS knows of a device's groups (GroupInfo, TLV 58) and firmware (FirmwareImageInfo,
 * TLV 75), and from where: the POST /r of a registration it answered, or a GET the device
 * answered (a step's or the diagnosis's). A device found registered to an earlier NMS has no
 * registration here, so a GET is the only way a head-end learns these about it.
 */
import type { DecodedTlv } from '../csmp/value.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { DeviceRecord, LearntTlvs } from './device-state.js';

/**
 * Keeps the GroupInfo and FirmwareImageInfo rows of `tlvs` on the record. `partial`: the answer
 * holds only some rows of a table (GET /c/75/<index>), which says nothing of the others, so 75
 * is not taken from it.
 */
export function learnGroupsAndFirmware(rec: DeviceRecord, tlvs: readonly DecodedTlv[], source: LearntTlvs['source'], at: number, partial = false): void {
  const groups = tlvs.filter((t) => t.type === TLV.GroupInfo);
  const firmware = tlvs.filter((t) => t.type === TLV.FirmwareImageInfo);
  if (groups.length > 0) rec.groupInfo = { tlvs: groups, source, at };
  if (firmware.length > 0 && !partial) rec.firmwareInfo = { tlvs: firmware, source, at };
}

/** "from GET at 2026-…Z" / "from registration at …": where a learnt value came from. */
export function learntFrom(l: LearntTlvs): string {
  return `from ${l.source} at ${new Date(l.at).toISOString()}`;
}
