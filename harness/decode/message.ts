/**
 * One CSMP message through every layer: IPv6 → UDP → CoAP → TLVs. Decoding never throws: each
 * layer that fails leaves what the layers above it gave, plus the DecodeError that stopped it, so a
 * report can still show a damaged frame (smoltcp's pretty printer does the same).
 */
import { FRAGMENT_HEADER_LEN, IPV6_HEADER_LEN, NEXT_HEADER_FRAGMENT, NEXT_HEADER_UDP, parseIpv6, type Ipv6ParseOptions } from '../../drivers/ip/ipv6.js';
import { ipv6Text } from '../../drivers/ip/address-cache.js';
import { fold, sum16 } from '../../drivers/ip/checksum.js';
import { parseUdp, UDP_HEADER_LEN } from '../../drivers/ip/udp.js';
import { decodeCoap, type CoapMessage } from '../coap/message.js';
import { decodePayload } from '../csmp/payload.js';
import { DecodeError } from '../../core/errors.js';
import type { CsmpMessage } from './csmp-message.js';
import { decodeCutIpv6, decodeFragment, isAtomicUdpFragment, isCutIpv6, protocolText } from './partial.js';

export type { CsmpMessage, Endpoints } from './csmp-message.js';

/** Decodes a raw IPv6 packet carrying UDP/CoAP/CSMP. */
export function decodeIpv6Message(packet: Uint8Array, opts: Ipv6ParseOptions = {}): CsmpMessage {
  return leanDecode(packet, opts.trailing === 'ignore') ?? layeredDecode(packet, opts);
}

/**
 * The common frame, a fixed header straight to UDP with every layer sound, read in one pass
 * over the packet: no header objects, no views but the CoAP bytes, addresses from ipv6Text's
 * memory, and one result shape. This runs once per frame of a capture, and the layered decoder's
 * objects and views were a third of a gigabyte decode. Anything else (extension headers, a
 * length that disagrees, damage at any layer) returns undefined and goes the layered way, whose
 * results, errors included, are the reference.
 */
function leanDecode(b: Uint8Array, trailingOk: boolean): CsmpMessage | undefined {
  const n = b.length;
  if (n < IPV6_HEADER_LEN + UDP_HEADER_LEN || b[0]! >> 4 !== 6 || b[6] !== NEXT_HEADER_UDP) return undefined;
  const udpLength = (b[4]! << 8) | b[5]!;
  const end = IPV6_HEADER_LEN + udpLength;
  if (end > n || (end < n && !trailingOk)) return undefined;
  if (udpLength < UDP_HEADER_LEN || ((b[44]! << 8) | b[45]!) !== udpLength) return undefined;
  let coap: CoapMessage;
  try {
    coap = decodeCoap(b.subarray(IPV6_HEADER_LEN + UDP_HEADER_LEN, end));
  } catch {
    return undefined;
  }
  const { tlvs, error } = decodePayload(coap.payload);
  if (error) return undefined;
  // Pseudo-header (RFC 8200 8.1): both addresses, the length, next header 17; then the segment.
  const sum = sum16(b, IPV6_HEADER_LEN, end, sum16(b, 8, IPV6_HEADER_LEN, udpLength + NEXT_HEADER_UDP));
  const checksumOk = ((b[46]! << 8) | b[47]!) !== 0 && fold(sum) === 0xffff;
  return {
    src: ipv6Text(b, 8),
    dst: ipv6Text(b, 24),
    srcPort: (b[40]! << 8) | b[41]!,
    dstPort: (b[42]! << 8) | b[43]!,
    udpChecksumOk: checksumOk,
    coap,
    tlvs,
  };
}

/** Layer by layer, every case: the reference the lean path is held to (the tests compare them). */
export function layeredDecode(packet: Uint8Array, opts: Ipv6ParseOptions): CsmpMessage {
  if (isCutIpv6(packet)) return decodeCutIpv6(packet);
  let ip;
  try {
    ip = parseIpv6(packet, opts);
  } catch (e) {
    return { tlvs: [], error: asDecodeError(e, 'ipv6') };
  }
  const addresses = { src: ipv6Text(ip.src, 0), dst: ipv6Text(ip.dst, 0) };
  let udpAt = ip.payloadOffset;
  if (ip.protocol === NEXT_HEADER_FRAGMENT) {
    // An atomic fragment (offset 0, no more: RFC 6946) holds the whole datagram; any other is partial.
    if (!isAtomicUdpFragment(ip.payload)) return decodeFragment(packet, ip.payloadOffset, ip.payloadOffset + ip.payload.length);
    udpAt += FRAGMENT_HEADER_LEN;
  } else if (ip.protocol !== NEXT_HEADER_UDP) {
    return { ...addresses, tlvs: [], error: new DecodeError('ipv6', 6, 'unsupported', `${protocolText(ip.protocol)} is not UDP`) };
  }
  let udp;
  try {
    udp = parseUdp(packet.subarray(udpAt, ip.payloadOffset + ip.payload.length), ip.src, ip.dst);
  } catch (e) {
    return { ...addresses, tlvs: [], error: asDecodeError(e, 'udp').shifted(udpAt) };
  }
  const base = { ...addresses, srcPort: udp.srcPort, dstPort: udp.dstPort, udpChecksumOk: udp.checksumOk };
  const inner = decodeCoapMessage(udp.payload);
  const shift = udpAt + 8;
  return inner.error ? { ...base, ...inner, error: inner.error.shifted(shift) } : { ...base, ...inner };
}

/** Decodes a bare CoAP message and its CSMP payload (offsets from the CoAP header). */
export function decodeCoapMessage(bytes: Uint8Array): CsmpMessage {
  let coap: CoapMessage;
  try {
    coap = decodeCoap(bytes);
  } catch (e) {
    return { tlvs: [], error: asDecodeError(e, 'coap') };
  }
  const { tlvs, error } = decodePayload(coap.payload);
  const payloadStart = bytes.length - coap.payload.length;
  return error ? { coap, tlvs, error: error.shifted(payloadStart) } : { coap, tlvs };
}

function asDecodeError(e: unknown, layer: 'ipv6' | 'udp' | 'coap'): DecodeError {
  if (e instanceof DecodeError) return e;
  // A non-DecodeError here is a bug in a decoder; keep the run alive and say so.
  return new DecodeError(layer, 0, 'internal', `internal decoder fault: ${e instanceof Error ? e.message : String(e)}`);
}
