/**
 * CSMP TLV framing (doc 4.1, 4.2): a payload is TLVs back to back, no count, no padding.
 *
 *   standard: Type | Length | Value                  (Type and Length are varints)
 *   vendor:   7f | PEN | vendorType | Length | Value  (reference agent and FND, doc 4.2)
 *
 * Decoding never copies: each value is a subarray of the payload, because this runs once per
 * frame on the receive path. Error offsets count from the payload's first byte.
 */
import { DecodeError } from '../../core/errors.js';
import { TLV } from './tlv-ids.js';
import { readVarint, varintSize, writeVarint } from './varint.js';

export interface VendorId {
  /** IANA Private Enterprise Number (Cisco 5771). */
  readonly pen: number;
  readonly vendorType: number;
}

export interface Tlv {
  readonly type: number;
  /** Present for type 127 in the reference-agent layout. */
  readonly vendor?: VendorId;
  /** Subarray of the decoded payload (no copy). */
  readonly value: Uint8Array;
  /** Offset of the TLV's first (type) byte in the payload. */
  readonly offset: number;
  /** Bytes the length field took on the wire: 2 for the agent's `94 00`, 1 for FND's `09`. */
  readonly lengthBytes: number;
  /** Offset of the first value byte in the payload. */
  readonly valueOffset: number;
}

/** What an encoder needs; a decoded `Tlv` is one. */
export interface TlvInput {
  readonly type: number;
  readonly vendor?: VendorId;
  readonly value: Uint8Array;
  /** Used by lengthStyle 'preserve'. */
  readonly lengthBytes?: number;
}

/**
 * The two vendor layouts cannot be told apart from the bytes (doc 4.2), so the caller says
 * which one a device uses. 'draft' frames type 127 like any other TLV and leaves its
 * SubTLVs in the value.
 */
export type VendorLayout = 'agent' | 'draft';

export interface TlvDecodeOptions {
  readonly vendorLayout?: VendorLayout;
}

/**
 * 'minimal': shortest varint (FND). 'agent': the reference agent's two-byte length slot,
 * `(len|80) 00` for 1-127, so 16383 is the largest value it can frame (doc 4.1).
 * 'preserve': each TLV's own `lengthBytes` when it is wide enough, for re-emitting decoded or
 * deliberately odd frames byte for byte.
 */
export type LengthStyle = 'minimal' | 'agent' | 'preserve';

export interface TlvEncodeOptions {
  readonly lengthStyle: LengthStyle;
  readonly vendorLayout?: VendorLayout;
}

export const AGENT_MAX_VALUE_LENGTH = 16383;

export interface TlvScan {
  /** Every TLV framed before the first error. */
  readonly tlvs: Tlv[];
  readonly error?: DecodeError;
}

/** All TLVs of `payload`; throws DecodeError('tlv', offset, ...) on the first framing fault. */
export function decodeTlvs(payload: Uint8Array, opts?: TlvDecodeOptions): Tlv[] {
  const tlvs: Tlv[] = [];
  frame(payload, (opts?.vendorLayout ?? 'agent') === 'agent', tlvs);
  return tlvs;
}

/**
 * Like decodeTlvs, but keeps what was framed before a fault: for printers and reports that
 * must show a damaged frame rather than refuse it.
 */
export function scanTlvs(payload: Uint8Array, opts?: TlvDecodeOptions): TlvScan {
  const tlvs: Tlv[] = [];
  try {
    frame(payload, (opts?.vendorLayout ?? 'agent') === 'agent', tlvs);
    return { tlvs };
  } catch (e) {
    if (e instanceof DecodeError) return { tlvs, error: e };
    throw e;
  }
}

function frame(payload: Uint8Array, agentVendor: boolean, tlvs: Tlv[]): void {
  let pos = 0;
  while (pos < payload.length) {
    const offset = pos;
    const type = readVarint(payload, pos);
    pos += type.length;
    let vendor: VendorId | undefined;
    if (agentVendor && type.value === TLV.Vendor) {
      const pen = readVarint(payload, pos);
      pos += pen.length;
      const vendorType = readVarint(payload, pos);
      pos += vendorType.length;
      vendor = { pen: pen.value, vendorType: vendorType.value };
    }
    const lengthAt = pos;
    const length = readVarint(payload, pos);
    pos += length.length;
    const left = payload.length - pos;
    if (length.value > left) {
      throw new DecodeError(
        'tlv',
        lengthAt,
        'truncated',
        `TLV ${type.value} at byte ${offset} declares ${length.value} value bytes, ${left} left`,
      );
    }
    const valueOffset = pos;
    pos += length.value;
    const value = payload.subarray(valueOffset, pos);
    const lengthBytes = length.length;
    tlvs.push(
      vendor
        ? { type: type.value, vendor, value, offset, lengthBytes, valueOffset }
        : { type: type.value, value, offset, lengthBytes, valueOffset },
    );
  }
}

/** Frames `tlvs` back to back. Throws RangeError when a length cannot be written in the chosen style. */
export function encodeTlvs(tlvs: readonly TlvInput[], opts: TlvEncodeOptions): Uint8Array {
  const agentVendor = (opts.vendorLayout ?? 'agent') === 'agent';
  const widths = tlvs.map((t) => lengthWidth(t, opts.lengthStyle));
  let size = 0;
  tlvs.forEach((t, i) => {
    size += headerSize(t, agentVendor) + widths[i]! + t.value.length;
  });
  const out = new Uint8Array(size);
  let pos = 0;
  tlvs.forEach((t, i) => {
    pos = writeVarint(out, pos, t.type);
    if (t.type === TLV.Vendor && agentVendor) {
      if (!t.vendor) throw new RangeError('TLV 127 needs vendor {pen, vendorType} in the agent layout');
      pos = writeVarint(out, pos, t.vendor.pen);
      pos = writeVarint(out, pos, t.vendor.vendorType);
    } else if (t.vendor) {
      throw new RangeError(`TLV ${t.type} carries a vendor id, which only type 127 in the agent layout can`);
    }
    pos = writeVarint(out, pos, t.value.length, widths[i]);
    out.set(t.value, pos);
    pos += t.value.length;
  });
  return out;
}

export function encodeTlv(tlv: TlvInput, opts: TlvEncodeOptions): Uint8Array {
  return encodeTlvs([tlv], opts);
}

/** The bytes encodeTlv would give `tlv`, without encoding it (throws as it would on a length the style cannot frame). */
export function encodedTlvSize(tlv: TlvInput, opts: TlvEncodeOptions): number {
  return headerSize(tlv, (opts.vendorLayout ?? 'agent') === 'agent') + lengthWidth(tlv, opts.lengthStyle) + tlv.value.length;
}

function headerSize(t: TlvInput, agentVendor: boolean): number {
  let n = varintSize(t.type);
  if (t.type === TLV.Vendor && agentVendor && t.vendor) {
    n += varintSize(t.vendor.pen) + varintSize(t.vendor.vendorType);
  }
  return n;
}

function lengthWidth(t: TlvInput, style: LengthStyle): number {
  const len = t.value.length;
  const minimal = varintSize(len);
  switch (style) {
    case 'minimal':
      return minimal;
    case 'agent':
      // The agent never emits an empty value (its writer refuses one); `80 00` is what its
      // two-byte slot would hold, so an imitation stays two bytes wide.
      if (len > AGENT_MAX_VALUE_LENGTH) {
        throw new RangeError(`agent length style cannot frame ${len} value bytes (at most ${AGENT_MAX_VALUE_LENGTH})`);
      }
      return 2;
    case 'preserve':
      return Math.max(minimal, t.lengthBytes ?? minimal);
  }
}
