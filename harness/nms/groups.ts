/**
 * Device groups as the NMS compares them (GroupInfo 58 from the device, GroupAssign 55 from the
 * NMS): one id per group type, 1 configuration, 2 firmware (csmp-protocol.md 9).
 */
import type { DecodedTlv } from '../csmp/value.js';
import { TLV } from '../csmp/tlv-ids.js';

export const CONFIG_GROUP = 1;
export const FIRMWARE_GROUP = 2;

/** A group id of the rig's expectations as a number; undefined when absent or not a uint32. */
export function expectedGroup(v: number | string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff ? n : undefined;
}

/** The {type -> id} of the GroupInfo TLVs a device sent. */
export function groupsOf(tlvs: readonly DecodedTlv[]): Map<number, number> {
  const groups = new Map<number, number>();
  for (const t of tlvs) {
    if (t.type !== TLV.GroupInfo || !t.value) continue;
    const type = t.value['type'];
    const id = t.value['id'];
    if (typeof type === 'number' && typeof id === 'number') groups.set(type, id);
  }
  return groups;
}
