/**
 * UDP over IPv6 (RFC 768, RFC 8200 section 8.1). Checksum handling is a switch: robustness suites
 * send wrong checksums on purpose, so parse reports `checksumOk` instead of refusing the datagram.
 */
import { DecodeError } from '../../core/errors.js';
import { fold, pseudoHeaderSum, sum16 } from './checksum.js';
import { NEXT_HEADER_UDP } from './ipv6.js';

export const UDP_HEADER_LEN = 8;

export const field = {
  SRC_PORT: 0,
  DST_PORT: 2,
  LENGTH: 4,
  CHECKSUM: 6,
  PAYLOAD: 8,
} as const;

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  /** The length field (header + payload). */
  length: number;
  /** The checksum field as received. */
  checksum: number;
  /** true/false when verified; undefined when verification was switched off. */
  checksumOk: boolean | undefined;
  /** A view into the segment. */
  payload: Uint8Array;
}

export interface UdpParseOptions {
  /** Default true. Off for replaying captures whose checksums were left to NIC offload. */
  verifyChecksum?: boolean;
}

/**
 * Parses the UDP segment that is the whole IPv6 payload. `src`/`dst` are the IPv6 addresses for the
 * pseudo-header. Throws DecodeError('udp', offset, code, reason) on a structural fault; a wrong checksum
 * is not structural.
 */
export function parseUdp(seg: Uint8Array, src: Uint8Array, dst: Uint8Array, opts: UdpParseOptions = {}): UdpDatagram {
  if (seg.length < UDP_HEADER_LEN) throw new DecodeError('udp', seg.length, 'truncated', 'truncated header');
  const length = (seg[field.LENGTH]! << 8) | seg[field.LENGTH + 1]!;
  if (length < UDP_HEADER_LEN) throw new DecodeError('udp', field.LENGTH, 'bad-value', 'length below header size');
  // IPv6 has no padding after UDP, so both lengths must agree (a jumbogram would have length 0: refused above).
  if (length !== seg.length) throw new DecodeError('udp', field.LENGTH, 'inconsistent', 'length disagrees with IPv6 payload length');
  const checksum = (seg[field.CHECKSUM]! << 8) | seg[field.CHECKSUM + 1]!;
  let checksumOk: boolean | undefined;
  if (opts.verifyChecksum !== false) {
    // Zero means "not computed", which IPv6 forbids for UDP (RFC 8200 section 8.1).
    checksumOk = checksum !== 0 && fold(sum16(seg, 0, seg.length, pseudoHeaderSum(src, dst, seg.length, NEXT_HEADER_UDP))) === 0xffff;
  }
  return {
    srcPort: (seg[0]! << 8) | seg[1]!,
    dstPort: (seg[2]! << 8) | seg[3]!,
    length,
    checksum,
    checksumOk,
    payload: seg.subarray(UDP_HEADER_LEN),
  };
}

/** The checksum a segment should carry; a computed 0 is returned as 0xffff (RFC 768: 0 means "none"). */
export function udpChecksum(seg: Uint8Array, src: Uint8Array, dst: Uint8Array): number {
  // Sum around the checksum field rather than zeroing it, so the caller's bytes are never touched.
  let acc = pseudoHeaderSum(src, dst, seg.length, NEXT_HEADER_UDP);
  acc = sum16(seg, 0, field.CHECKSUM, acc);
  acc = sum16(seg, field.PAYLOAD, seg.length, acc);
  const c = ~fold(acc) & 0xffff;
  return c === 0 ? 0xffff : c;
}

export interface UdpHeaderInit {
  srcPort: number;
  dstPort: number;
}

/**
 * Writes the UDP header into `seg[0..8)` (the payload must already be at `seg[8..]`) and fills the
 * checksum unless `checksum` is given (robustness tests send a chosen, possibly wrong, value).
 */
export function emitUdp(h: UdpHeaderInit, seg: Uint8Array, src: Uint8Array, dst: Uint8Array, checksum?: number): void {
  checkPort('srcPort', h.srcPort);
  checkPort('dstPort', h.dstPort);
  if (seg.length > 0xffff) throw new TypeError(`UDP segment of ${seg.length} bytes exceeds 65535`);
  seg[0] = h.srcPort >> 8;
  seg[1] = h.srcPort & 0xff;
  seg[2] = h.dstPort >> 8;
  seg[3] = h.dstPort & 0xff;
  seg[4] = seg.length >> 8;
  seg[5] = seg.length & 0xff;
  const c = checksum ?? udpChecksum(seg, src, dst);
  seg[6] = c >> 8;
  seg[7] = c & 0xff;
}

function checkPort(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new TypeError(`"${name}" must be an integer 0..65535, got ${v}`);
}
