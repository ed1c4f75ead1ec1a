/**
 * Protobuf base-128 varints as CSMP uses them for TLV type, length, vendor PEN and vendor type.
 *
 * Decoding accepts non-minimal encodings (the reference agent writes every length 1-127 as
 * `(len|80) 00`, doc 4.1) and up to the protobuf maximum of 10 bytes, but the value must fit
 * 32 bits: no TLV field that uses these varints can hold more, and a larger number means the
 * bytes are not a TLV header at all.
 */
import { DecodeError, type DecodeLayer } from '../../core/errors.js';

export const MAX_VARINT_BYTES = 10;
export const MAX_VARINT_VALUE = 0xffff_ffff;

export interface Varint {
  readonly value: number;
  /** Bytes the varint took on the wire. */
  readonly length: number;
}

/** Reads the varint that starts at `offset`. Errors carry `offset` (the varint's first byte). */
export function readVarint(bytes: Uint8Array, offset: number, layer: DecodeLayer = 'tlv'): Varint {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const at = offset + i;
    if (at >= bytes.length) {
      throw new DecodeError(layer, offset, 'truncated', i === 0 ? 'varint missing' : `varint truncated after ${i} bytes`);
    }
    const b = bytes[at]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (value > MAX_VARINT_VALUE) throw new DecodeError(layer, offset, 'too-large', 'varint exceeds 32 bits');
      return { value, length: i + 1 };
    }
    scale *= 128;
  }
  throw new DecodeError(layer, offset, 'too-large', `varint longer than ${MAX_VARINT_BYTES} bytes`);
}

/** Bytes of the minimal encoding of `value`. */
export function varintSize(value: number): number {
  checkValue(value);
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/**
 * Writes `value` at `offset` using exactly `width` bytes (default: the minimal size); a wider
 * width pads with continuation groups of zero, which is how the reference agent's two-byte
 * length slot comes out. Returns the offset after the varint.
 */
export function writeVarint(out: Uint8Array, offset: number, value: number, width = varintSize(value)): number {
  const minimal = varintSize(value);
  if (!Number.isInteger(width) || width < minimal || width > MAX_VARINT_BYTES) {
    throw new RangeError(`varint width ${width} cannot hold ${value} (needs ${minimal}..${MAX_VARINT_BYTES})`);
  }
  for (let i = 0; i < width - 1; i++) {
    out[offset++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[offset++] = value;
  return offset;
}

/** `value` as a standalone varint of `width` bytes (default minimal). */
export function encodeVarint(value: number, width?: number): Uint8Array {
  const out = new Uint8Array(width ?? varintSize(value));
  writeVarint(out, 0, value, width);
  return out;
}

function checkValue(value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_VARINT_VALUE) {
    throw new RangeError(`varint value ${value} is not an integer in 0..${MAX_VARINT_VALUE}`);
  }
}
