/**
 * Whole IPv6+UDP packets: what a link builds on send and takes apart on receive, plus a
 * damage-tolerant one-line description for reports and logs.
 */
import { DecodeError } from '../../core/errors.js';
import { formatIpv6, parseIpv6Address } from './address.js';
import { emitIpv6Header, IPV6_HEADER_LEN, NEXT_HEADER_UDP, parseIpv6, type Ipv6Packet, type Ipv6ParseOptions } from './ipv6.js';
import { emitUdp, parseUdp, UDP_HEADER_LEN, type UdpDatagram, type UdpParseOptions } from './udp.js';

export interface UdpPacketInit {
  /** Canonical or any RFC 4291 text, or 16 bytes. */
  src: string | Uint8Array;
  dst: string | Uint8Array;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  /** Force a checksum value (robustness tests); by default it is computed. */
  checksum?: number;
}

/** Largest UDP payload one IPv6 packet without a jumbogram option can carry. */
export const MAX_UDP_PAYLOAD = 0xffff - UDP_HEADER_LEN;

/** Builds a complete IPv6+UDP packet in one allocation. Throws TypeError on out-of-range fields. */
export function buildUdpPacket(p: UdpPacketInit): Uint8Array {
  if (!(p.payload instanceof Uint8Array)) throw new TypeError('"payload" must be a Uint8Array');
  if (p.payload.length > MAX_UDP_PAYLOAD) throw new TypeError(`"payload" of ${p.payload.length} bytes exceeds ${MAX_UDP_PAYLOAD}`);
  const src = typeof p.src === 'string' ? parseIpv6Address(p.src) : p.src;
  const dst = typeof p.dst === 'string' ? parseIpv6Address(p.dst) : p.dst;
  const segLen = UDP_HEADER_LEN + p.payload.length;
  const out = new Uint8Array(IPV6_HEADER_LEN + segLen);
  emitIpv6Header(
    {
      trafficClass: p.trafficClass ?? 0,
      flowLabel: p.flowLabel ?? 0,
      payloadLength: segLen,
      nextHeader: NEXT_HEADER_UDP,
      hopLimit: p.hopLimit ?? 64,
      src,
      dst,
    },
    out,
  );
  const seg = out.subarray(IPV6_HEADER_LEN);
  seg.set(p.payload, UDP_HEADER_LEN);
  emitUdp(p, seg, src, dst, p.checksum);
  return out;
}

export interface UdpPacket {
  ip: Ipv6Packet;
  udp: UdpDatagram;
}

/**
 * Parses IPv6 then UDP. Throws DecodeError: layer 'ipv6' (offsets within the packet), or layer
 * 'udp' (offsets within the UDP segment, per the DecodeError contract), or 'ipv6' "not UDP".
 */
export function parseUdpPacket(b: Uint8Array, opts: Ipv6ParseOptions & UdpParseOptions = {}): UdpPacket {
  const ip = parseIpv6(b, opts);
  if (ip.protocol !== NEXT_HEADER_UDP) throw new DecodeError('ipv6', 6, 'unsupported', 'next header is not UDP');
  return { ip, udp: parseUdp(ip.payload, ip.src, ip.dst, opts) };
}

/**
 * One line for a report: "[2018::2]:62590 -> [2018::188]:61628 udp 11 bytes" with problems marked
 * inline ("checksum 0x41f0 incorrect", "ipv6: truncated header at byte 12") instead of refusing.
 */
export function describePacket(b: Uint8Array): string {
  let ip: Ipv6Packet;
  try {
    ip = parseIpv6(b, { trailing: 'ignore' });
  } catch (e) {
    if (e instanceof DecodeError) return `${b.length}-byte frame, ${e.message}`;
    throw e;
  }
  const from = formatIpv6(ip.src);
  const to = formatIpv6(ip.dst);
  const extra = b.length > ip.payloadOffset + ip.payload.length ? `, ${b.length - IPV6_HEADER_LEN - ip.payloadLength} bytes after payload` : '';
  if (ip.protocol !== NEXT_HEADER_UDP) return `${from} -> ${to} next header ${ip.protocol}, ${ip.payload.length} bytes${extra}`;
  try {
    const u = parseUdp(ip.payload, ip.src, ip.dst);
    const sum = u.checksumOk ? '' : `, checksum 0x${u.checksum.toString(16).padStart(4, '0')} incorrect`;
    return `[${from}]:${u.srcPort} -> [${to}]:${u.dstPort} udp ${u.payload.length} bytes${sum}${extra}`;
  } catch (e) {
    if (e instanceof DecodeError) return `${from} -> ${to} ${e.message}${extra}`;
    throw e;
  }
}
