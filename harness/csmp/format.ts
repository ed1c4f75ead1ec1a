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
import { ByteWriter } from '../../core/byte-writer.js';
import { decodeValue, type DecodedTlv, type FieldMap } from './value.js';

export function formatTlv(decoded: DecodedTlv): string {
  scratch.reset();
  writeTlvText(scratch, decoded);
  return scratch.toString();
}

/** Shared by the string forms: they run to completion before anyone else writes. */
const scratch = new ByteWriter();

/** formatTlv's text, written into `w` (how `hil decode` renders a capture without building strings). */
export function writeTlvText(w: ByteWriter, decoded: DecodedTlv): void {
  w.byte(0x5b);
  w.text(formatTlvId(decoded));
  w.byte(0x2f);
  w.text(decoded.name);
  w.ascii(']: ');
  if (decoded.value) return writeValueText(w, decoded.value);
  if (decoded.error) {
    w.byte(0x3c);
    w.text(describeError(decoded.error));
    w.ascii('> ');
  }
  w.ascii('raw ');
  if (decoded.raw.length === 0) w.ascii('(empty)');
  else w.hex(decoded.raw);
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
  scratch.reset();
  writeValueText(scratch, value);
  return scratch.toString();
}

/** `{name: value, …}`: bytes as hex ("" when empty), strings quoted as JSON quotes them. */
export function writeValueText(w: ByteWriter, value: FieldMap): void {
  w.byte(0x7b);
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) w.ascii(', ');
    const k = keys[i]!;
    w.text(k);
    w.ascii(': ');
    writeField(w, value[k]);
  }
  w.byte(0x7d);
}

function writeField(w: ByteWriter, v: unknown): void {
  if (typeof v === 'number') w.number(v);
  else if (typeof v === 'string') w.jsonString(v);
  else if (v instanceof Uint8Array) {
    if (v.length === 0) w.ascii('""');
    else w.hex(v);
  } else if (typeof v === 'boolean') w.ascii(v ? 'true' : 'false');
  else if (typeof v === 'bigint') w.ascii(v.toString());
  else if (Array.isArray(v)) {
    w.byte(0x5b);
    for (let i = 0; i < v.length; i++) {
      if (i > 0) w.ascii(', ');
      writeField(w, v[i]);
    }
    w.byte(0x5d);
  } else if (typeof v === 'object' && v !== null) writeValueText(w, v as FieldMap);
  else w.text(String(v));
}

function describeError(e: DecodeError): string {
  return `${e.layer}: ${e.reason} at byte ${e.offset}`;
}
