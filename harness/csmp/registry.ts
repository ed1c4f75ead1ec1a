/**
 * TLV id ↔ name ↔ protobuf message. Names follow the protocol doc; where sources disagree
 * (42 CGMSSettings/NMSSettings, 43 CGMSStatus/NMSStatus) the first 5.1 name is canonical and
 * the others resolve as aliases. Ids outside the catalogue are allowed everywhere: they
 * decode to raw bytes under the name "Unknown".
 */
import type protobuf from 'protobufjs';
import { tlvCatalogue, type TlvCatalogueEntry } from './schema/catalogue.js';
export { tlvTypes } from './schema/catalogue.js';
import { csmpMessageType } from './schema/load.js';
import type { VendorId } from './tlv.js';
import { TLV } from './tlv-ids.js';

export const UNKNOWN_TLV_NAME = 'Unknown';

/** The reference agent's vendor framing always uses vendor type 127 with a VendorTlv body (doc 4.2). */
export const AGENT_VENDOR_TYPE = 127;

export type TlvInfo = TlvCatalogueEntry;

const byId = new Map<number, TlvInfo>(tlvCatalogue.map((t) => [t.id, t]));
const byName = new Map<string, TlvInfo>();
for (const t of tlvCatalogue) {
  for (const n of [t.name, ...t.aliases]) byName.set(n.toLowerCase(), t);
}

export function tlvInfo(type: number): TlvInfo | undefined {
  return byId.get(type);
}

/** Canonical name, or "Unknown". */
export function tlvName(type: number): string {
  return byId.get(type)?.name ?? UNKNOWN_TLV_NAME;
}

/** TLV type for a canonical name or alias, case-insensitive ("NMSStatus" → 43). */
export function tlvType(name: string): number | undefined {
  return byName.get(name.toLowerCase())?.id;
}

/** Every catalogued TLV, ascending by id. */
export function allTlvs(): readonly TlvInfo[] {
  return tlvCatalogue;
}

/**
 * The message a TLV's value holds. A vendor TLV has the agent's VendorTlv body only with
 * vendor type 127; other vendor types are vendor-defined and have no schema here.
 */
export function messageTypeFor(type: number, vendor?: VendorId): protobuf.Type | undefined {
  if (type === TLV.Vendor && vendor && vendor.vendorType !== AGENT_VENDOR_TYPE) return undefined;
  let found = types.get(type);
  if (found === undefined) {
    const message = byId.get(type)?.message;
    found = (message === undefined ? undefined : csmpMessageType(message)) ?? null;
    types.set(type, found);
  }
  return found ?? undefined;
}

// Resolved on first use: building every type up front would cost startup for TLVs a run never sees.
const types = new Map<number, protobuf.Type | null>();
