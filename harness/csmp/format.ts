/**
 * One line per TLV, in the style of csmp-request and FND's debug log:
 *
 *   [75/FirmwareImageInfo]: {index: 1, fileHash: 3132…, version: "1.0.0", hwInfo: {hwId: ""}}
 *   [e5771.127/Vendor]: {subType: 1, value: 0101…}
 *
 * Damage is shown, not refused (smoltcp's pretty printer does the same): a value that does
 * not decode prints its error and raw hex; a framing fault ends the listing with its reason
 * and the bytes left.
 */
import type { DecodeError } from '../../core/errors.js';
import { scanTlvs, type TlvDecodeOptions } from './tlv.js';
import { formatTlvId } from './tlv-id.js';
import { toHex } from '../../core/bytes.js';
import { decodeValue, type DecodedTlv, type FieldMap } from './value.js';

export function formatTlv(decoded: DecodedTlv): string {
  const head = `[${formatTlvId(decoded)}/${decoded.name}]: `;
  if (decoded.value) return head + formatValue(decoded.value);
  if (decoded.error) return `${head}<${describeError(decoded.error)}> raw ${toHex(decoded.raw) || '(empty)'}`;
  return `${head}raw ${toHex(decoded.raw) || '(empty)'}`;
}

/** Every TLV of a payload, one per line; never throws on bad bytes. */
export function formatPayload(payload: Uint8Array, opts?: TlvDecodeOptions): string {
  const { tlvs, error } = scanTlvs(payload, opts);
  const lines = tlvs.map((t) => formatTlv(decodeValue(t)));
  if (error) {
    const last = tlvs[tlvs.length - 1];
    const from = last ? last.valueOffset + last.value.length : 0;
    lines.push(`<${describeError(error)}> ${payload.length - from} bytes not framed: ${toHex(payload.subarray(from))}`);
  }
  return lines.join('\n');
}

export function formatValue(value: FieldMap): string {
  const parts = Object.entries(value).map(([k, v]) => `${k}: ${formatField(v)}`);
  return `{${parts.join(', ')}}`;
}

function formatField(v: unknown): string {
  if (v instanceof Uint8Array) return v.length === 0 ? '""' : toHex(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(formatField).join(', ')}]`;
  if (typeof v === 'object' && v !== null) return formatValue(v as FieldMap);
  return String(v);
}

function describeError(e: DecodeError): string {
  return `${e.layer}: ${e.reason} at byte ${e.offset}`;
}
