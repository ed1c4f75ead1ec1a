/**
 * One CSMP message through every layer: IPv6 → UDP → CoAP → TLVs. Decoding never throws: each
 * layer that fails leaves what the layers above it gave, plus the DecodeError that stopped it, so a
 * report can still show a damaged frame (smoltcp's pretty printer does the same).
 */
import { parseIpv6, type Ipv6ParseOptions } from '../../drivers/ip/ipv6.js';
import { formatIpv6 } from '../../drivers/ip/address.js';
import { parseUdp } from '../../drivers/ip/udp.js';
import { NEXT_HEADER_UDP } from '../../drivers/ip/ipv6.js';
import { decodeCoap, type CoapMessage } from '../coap/message.js';
import { decodePayload } from '../csmp/payload.js';
import type { DecodedTlv } from '../csmp/value.js';
import { DecodeError } from '../../core/errors.js';

export interface Endpoints {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
}

export interface CsmpMessage extends Partial<Endpoints> {
  /** false when the UDP checksum is wrong (captured device frames often are: checksum offload). */
  udpChecksumOk?: boolean;
  coap?: CoapMessage;
  tlvs: DecodedTlv[];
  /** The fault that stopped decoding; offsets are from the first byte handed to the decoder. */
  error?: DecodeError;
}

/** Decodes a raw IPv6 packet carrying UDP/CoAP/CSMP. */
export function decodeIpv6Message(packet: Uint8Array, opts: Ipv6ParseOptions = {}): CsmpMessage {
  let ip;
  try {
    ip = parseIpv6(packet, opts);
  } catch (e) {
    return { tlvs: [], error: asDecodeError(e, 'ipv6') };
  }
  const addresses = { src: formatIpv6(ip.src), dst: formatIpv6(ip.dst) };
  if (ip.protocol !== NEXT_HEADER_UDP) {
    return { ...addresses, tlvs: [], error: new DecodeError('ipv6', 6, 'unsupported', `next header ${ip.protocol} is not UDP`) };
  }
  let udp;
  try {
    udp = parseUdp(ip.payload, ip.src, ip.dst);
  } catch (e) {
    return { ...addresses, tlvs: [], error: asDecodeError(e, 'udp').shifted(ip.payloadOffset) };
  }
  const base = { ...addresses, srcPort: udp.srcPort, dstPort: udp.dstPort, udpChecksumOk: udp.checksumOk };
  const inner = decodeCoapMessage(udp.payload);
  const shift = ip.payloadOffset + 8;
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
