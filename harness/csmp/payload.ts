/**
 * Whole CSMP payloads: framing plus values in one call, for the NMS emulator, the virtual
 * meters and reports.
 */
import type { DecodeError } from '../../core/errors.js';
import { tlvType } from './registry.js';
import { scanTlvs, encodeTlvs, type TlvDecodeOptions, type TlvEncodeOptions, type TlvInput, type VendorId } from './tlv.js';
import { decodeValue, encodeValue, type DecodedTlv, type FieldMap } from './value.js';

export interface DecodedPayload {
  /** Every TLV framed before `error`, each with its value or its own value error. */
  readonly tlvs: DecodedTlv[];
  /** Framing fault that stopped the scan; the bytes from there on are not in `tlvs`. */
  readonly error?: DecodeError;
}

/** Never throws on bad bytes: framing faults land in `error`, value faults in each TLV's `error`. */
export function decodePayload(payload: Uint8Array, opts?: TlvDecodeOptions): DecodedPayload {
  const scan = scanTlvs(payload, opts);
  const tlvs = scan.tlvs.map(decodeValue);
  return scan.error ? { tlvs, error: scan.error } : { tlvs };
}

/** One TLV to build: `fields` encoded with the schema, or `raw` value bytes sent as they are. */
export type TlvToBuild =
  | { readonly type: number | string; readonly vendor?: VendorId; readonly fields: FieldMap }
  | { readonly type: number | string; readonly vendor?: VendorId; readonly raw: Uint8Array };

export function buildPayload(items: readonly TlvToBuild[], opts: TlvEncodeOptions): Uint8Array {
  const tlvs: TlvInput[] = items.map((item) => {
    const type = typeof item.type === 'number' ? item.type : tlvType(item.type);
    if (type === undefined) throw new TypeError(`unknown TLV name ${JSON.stringify(item.type)}`);
    const value = 'raw' in item ? item.raw : encodeValue(type, item.fields);
    return item.vendor ? { type, vendor: item.vendor, value } : { type, value };
  });
  return encodeTlvs(tlvs, opts);
}
