/**
 * IPv6 packets that hold less than a whole UDP datagram, decoded as far as their bytes go rather
 * than refused at the first layer: a frame a capture's snaplen cut, and a fragment (RFC 8200 4.5),
 * whose first piece still carries the UDP ports and the start of the CoAP message. hil decode does
 * not reassemble fragments: a capture tool's job, and CSMP over 6LoWPAN fragments below IPv6.
 * Never throws; the error says what is missing and why.
 */
import { DecodeError } from '../../core/errors.js';
import { ipv6Text } from '../../drivers/ip/address-cache.js';
import { FRAGMENT_HEADER_LEN, IPV6_HEADER_LEN, NEXT_HEADER_FRAGMENT, NEXT_HEADER_UDP, skipOptionHeaders } from '../../drivers/ip/ipv6.js';
import { UDP_HEADER_LEN } from '../../drivers/ip/udp.js';
import { decodeCoap, type CoapMessage } from '../coap/message.js';
import { decodePayload } from '../csmp/payload.js';
import type { CsmpMessage } from './csmp-message.js';


const PROTOCOL_NAMES: Record<number, string> = { 6: 'TCP', 17: 'UDP', 43: 'routing header', 50: 'ESP', 51: 'AH', 58: 'ICMPv6', 59: 'no next header', 41: 'IPv6 in IPv6', 4: 'IPv4 in IPv6' };

/** "next header 58 (ICMPv6)": what a packet carries instead of UDP. */
export function protocolText(protocol: number): string {
  const name = PROTOCOL_NAMES[protocol];
  return name ? `next header ${protocol} (${name})` : `next header ${protocol}`;
}

/** A fragment header (at `f`) of offset 0 with no more to follow (RFC 6946): it holds a whole UDP datagram. */
export function isAtomicUdpFragment(f: Uint8Array): boolean {
  return f.length >= FRAGMENT_HEADER_LEN && f[0] === NEXT_HEADER_UDP && f[2] === 0 && (f[3]! & 0xf9) === 0;
}

/** Whether `b` is an IPv6 packet shorter than its own payload length says. */
export function isCutIpv6(b: Uint8Array): boolean {
  return b.length >= IPV6_HEADER_LEN && b[0]! >> 4 === 6 && IPV6_HEADER_LEN + ((b[4]! << 8) | b[5]!) > b.length;
}

/** A packet cut short (isCutIpv6): what its bytes hold, and an error naming the cut. */
export function decodeCutIpv6(b: Uint8Array): CsmpMessage {
  const declared = IPV6_HEADER_LEN + ((b[4]! << 8) | b[5]!);
  const cut = new DecodeError('ipv6', b.length, 'truncated', `packet cut short: ${b.length} of ${declared} bytes captured (snaplen); decoded as far as they go`);
  return afterHeader(b, b.length, cut);
}

/** The fragment header at `at` of a whole packet ending at `end`. */
export function decodeFragment(b: Uint8Array, at: number, end: number): CsmpMessage {
  return afterHeader(b, end, undefined, at);
}

function afterHeader(b: Uint8Array, end: number, cut: DecodeError | undefined, fragmentAt?: number): CsmpMessage {
  const addresses = { src: ipv6Text(b, 8), dst: ipv6Text(b, 24) };
  let protocol = b[6]!;
  let at = IPV6_HEADER_LEN;
  if (fragmentAt !== undefined) {
    protocol = NEXT_HEADER_FRAGMENT;
    at = fragmentAt;
  }
  const after = skipOptionHeaders(b, protocol, at, end);
  if (after.fault) return { ...addresses, tlvs: [], error: cut ?? after.fault };
  ({ protocol, at } = after);
  if (protocol === NEXT_HEADER_FRAGMENT) {
    if (at + FRAGMENT_HEADER_LEN > end) return { ...addresses, tlvs: [], error: cut ?? new DecodeError('ipv6', at, 'truncated', 'truncated fragment header') };
    const inner = b[at]!;
    const offset = ((b[at + 2]! << 8) | b[at + 3]!) & 0xfff8;
    const more = (b[at + 3]! & 1) === 1;
    const id = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
    const what = `fragment (id 0x${id.toString(16).padStart(8, '0')}, offset ${offset}, ${more ? 'more follow' : 'last'}) of a packet of ${protocolText(inner)}`;
    if (offset === 0 && inner === NEXT_HEADER_UDP) {
      const note = new DecodeError('ipv6', at, 'unsupported', `first ${what}: the UDP ports and the start of the message decoded; the rest is in later fragments, not reassembled`);
      return udpPrefix(b, at + FRAGMENT_HEADER_LEN, end, addresses, cut ?? note);
    }
    return { ...addresses, tlvs: [], error: cut ?? new DecodeError('ipv6', at, 'unsupported', `${what}: not reassembled`) };
  }
  if (protocol !== NEXT_HEADER_UDP) return { ...addresses, tlvs: [], error: new DecodeError('ipv6', 6, 'unsupported', `${protocolText(protocol)} is not UDP`) };
  return udpPrefix(b, at, end, addresses, cut!);
}

/** A UDP segment at `at` known to be incomplete: its ports, and the CoAP and TLVs its bytes hold. */
function udpPrefix(b: Uint8Array, at: number, end: number, addresses: { src: string; dst: string }, incomplete: DecodeError): CsmpMessage {
  if (at + UDP_HEADER_LEN > end) return { ...addresses, tlvs: [], error: incomplete };
  // No udpChecksumOk: part of a datagram cannot be checked.
  const base = { ...addresses, srcPort: (b[at]! << 8) | b[at + 1]!, dstPort: (b[at + 2]! << 8) | b[at + 3]! };
  const udpEnd = Math.min(end, at + ((b[at + 4]! << 8) | b[at + 5]!));
  if (udpEnd <= at + UDP_HEADER_LEN) return { ...base, tlvs: [], error: incomplete };
  let coap: CoapMessage;
  try {
    coap = decodeCoap(b.subarray(at + UDP_HEADER_LEN, udpEnd));
  } catch {
    // The CoAP header itself is cut: the ports are all there is.
    return { ...base, tlvs: [], error: incomplete };
  }
  // Without the payload marker among the bytes, the options may go on past the cut: a path or
  // query shown would be a guess.
  if (coap.payload.length === 0) return { ...base, tlvs: [], error: incomplete };
  // TLVs up to the cut; the one the cut runs through is the error below, not the payload's own.
  return { ...base, coap, tlvs: decodePayload(coap.payload).tlvs, error: incomplete };
}
