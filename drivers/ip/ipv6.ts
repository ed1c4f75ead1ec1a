/**
 * IPv6 fixed header (RFC 8200 section 3), smoltcp-style: named field offsets, a value type, and
 * parse/emit. Parsing never copies: addresses and payload are views into the caller's buffer, so
 * a caller that keeps them past the buffer's life must copy them itself.
 */
import { DecodeError } from '../../core/errors.js';

export const IPV6_HEADER_LEN = 40;
export const NEXT_HEADER_UDP = 17;
/** RFC 8200 4.5: the fragment header, eight bytes. */
export const NEXT_HEADER_FRAGMENT = 44;
export const FRAGMENT_HEADER_LEN = 8;

/** Byte offsets of the header fields. */
export const field = {
  VERSION_TC_FLOW: 0,
  PAYLOAD_LENGTH: 4,
  NEXT_HEADER: 6,
  HOP_LIMIT: 7,
  SRC: 8,
  DST: 24,
  PAYLOAD: 40,
} as const;

// Extension headers that share the generic "next header, length in 8-octet units" layout and can be
// skipped without understanding them. Routing (43) is not here: it changes which destination the
// UDP pseudo-header uses, and fragments (44) need reassembly; both surface as `protocol`.
const SKIPPABLE = new Set([0 /* hop-by-hop */, 60 /* destination options */]);

export interface AfterOptions {
  /** The first header that is not a skippable option header, and where it starts. */
  protocol: number;
  at: number;
  /** An option header that does not fit before `end`. */
  fault?: DecodeError;
}

/**
 * Past the hop-by-hop and destination options that start at `at` with next header `protocol`, within
 * `end`: every reader of a packet's upper layer (decoder, partial decoder, capture filter) walks them alike.
 */
export function skipOptionHeaders(b: Uint8Array, protocol: number, at: number, end: number): AfterOptions {
  while (SKIPPABLE.has(protocol)) {
    if (at + 8 > end) return { protocol, at, fault: new DecodeError('ipv6', at, 'truncated', 'truncated extension header') };
    const len = (b[at + 1]! + 1) * 8;
    if (at + len > end) return { protocol, at, fault: new DecodeError('ipv6', at + 1, 'truncated', 'extension header exceeds payload') };
    protocol = b[at]!;
    at += len;
  }
  return { protocol, at };
}

export interface Ipv6Header {
  trafficClass: number;
  flowLabel: number;
  /** The header field as sent; parse checks it against the buffer. */
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  src: Uint8Array;
  dst: Uint8Array;
}

export interface Ipv6Packet extends Ipv6Header {
  /** The upper-layer protocol after any hop-by-hop/destination-options headers (17 for UDP). */
  protocol: number;
  /** Byte offset of the upper-layer header within the packet. */
  payloadOffset: number;
  /** The upper-layer bytes: a view into the packet. */
  payload: Uint8Array;
}

export interface Ipv6ParseOptions {
  /**
   * Bytes after the payload: 'reject' (SLIP, raw captures: a length mismatch is a broken frame) or
   * 'ignore' (Ethernet: minimum-frame padding and trailing FCS are normal).
   */
  trailing?: 'reject' | 'ignore';
}

/** Parses an IPv6 packet. Throws DecodeError('ipv6', offset, code, reason) on a structural fault. */
export function parseIpv6(b: Uint8Array, opts: Ipv6ParseOptions = {}): Ipv6Packet {
  if (b.length < IPV6_HEADER_LEN) throw new DecodeError('ipv6', b.length, 'truncated', 'truncated header');
  const version = b[0]! >> 4;
  if (version !== 6) throw new DecodeError('ipv6', 0, 'unsupported', 'version is not 6');
  const payloadLength = (b[field.PAYLOAD_LENGTH]! << 8) | b[field.PAYLOAD_LENGTH + 1]!;
  const available = b.length - IPV6_HEADER_LEN;
  if (payloadLength > available) throw new DecodeError('ipv6', field.PAYLOAD_LENGTH, 'truncated', 'payload length exceeds packet');
  if (payloadLength < available && opts.trailing !== 'ignore') {
    throw new DecodeError('ipv6', IPV6_HEADER_LEN + payloadLength, 'trailing-bytes', 'bytes after payload');
  }
  const end = IPV6_HEADER_LEN + payloadLength;
  const nextHeader = b[field.NEXT_HEADER]!;

  const after = skipOptionHeaders(b, nextHeader, IPV6_HEADER_LEN, end);
  if (after.fault) throw after.fault;
  const { protocol, at } = after;

  return {
    trafficClass: ((b[0]! & 0x0f) << 4) | (b[1]! >> 4),
    flowLabel: ((b[1]! & 0x0f) << 16) | (b[2]! << 8) | b[3]!,
    payloadLength,
    nextHeader,
    hopLimit: b[field.HOP_LIMIT]!,
    src: b.subarray(field.SRC, field.SRC + 16),
    dst: b.subarray(field.DST, field.DST + 16),
    protocol,
    payloadOffset: at,
    payload: b.subarray(at, end),
  };
}

/** Writes the 40-byte header at `out[offset..]`. Values are masked to their field widths only after checking them. */
export function emitIpv6Header(h: Ipv6Header, out: Uint8Array, offset = 0): void {
  checkField('trafficClass', h.trafficClass, 0xff);
  checkField('flowLabel', h.flowLabel, 0xfffff);
  checkField('payloadLength', h.payloadLength, 0xffff);
  checkField('nextHeader', h.nextHeader, 0xff);
  checkField('hopLimit', h.hopLimit, 0xff);
  if (h.src.length !== 16 || h.dst.length !== 16) throw new TypeError('"src" and "dst" must be 16 bytes');
  out[offset] = 0x60 | (h.trafficClass >> 4);
  out[offset + 1] = ((h.trafficClass & 0x0f) << 4) | (h.flowLabel >> 16);
  out[offset + 2] = (h.flowLabel >> 8) & 0xff;
  out[offset + 3] = h.flowLabel & 0xff;
  out[offset + 4] = h.payloadLength >> 8;
  out[offset + 5] = h.payloadLength & 0xff;
  out[offset + 6] = h.nextHeader;
  out[offset + 7] = h.hopLimit;
  out.set(h.src, offset + field.SRC);
  out.set(h.dst, offset + field.DST);
}

function checkField(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new TypeError(`"${name}" must be an integer 0..${max}, got ${v}`);
}
