/** Finds the IPv6 packet inside one captured frame, or says why there is none. */
import { LINKTYPE } from '../../core/pcap-format.js';

const ETH_HEADER_LEN = 14;
const ETHERTYPE_IPV6 = 0x86dd;
// 802.1Q and 802.1ad tags sit between the MAC addresses and the real ethertype.
const VLAN_TAGS = new Set([0x8100, 0x88a8]);

export type Extracted = { ipv6: Uint8Array; skippedReason?: undefined } | { ipv6?: undefined; skippedReason: string };

/** The link types extractIpv6 reads, for saying so when a capture has another: "1 Ethernet, …". */
export const DECODED_LINK_TYPES = `${LINKTYPE.ETHERNET} Ethernet, ${LINKTYPE.RAW} raw IP, ${LINKTYPE.IPV4} IPv4, ${LINKTYPE.IPV6} IPv6`;

/** Whether extractIpv6 reads frames of this link type at all (rather than skipping every one). */
export function isDecodedLinkType(linkType: number): boolean {
  return linkType === LINKTYPE.ETHERNET || linkType === LINKTYPE.RAW || linkType === LINKTYPE.IPV4 || linkType === LINKTYPE.IPV6;
}

export function extractIpv6(linkType: number, data: Uint8Array): Extracted {
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      return fromEthernet(data);
    case LINKTYPE.RAW:
      return fromRawIp(data);
    case LINKTYPE.IPV4:
      return { skippedReason: 'IPv4 (link type 228)' };
    case LINKTYPE.IPV6:
      return data.length === 0 ? { skippedReason: 'empty frame' } : { ipv6: data };
    default:
      return { skippedReason: `unsupported link type ${linkType}` };
  }
}

function fromEthernet(data: Uint8Array): Extracted {
  if (data.length < ETH_HEADER_LEN) return { skippedReason: `ethernet: ${data.length}-byte frame is shorter than the header` };
  let at = 12;
  let type = (data[at]! << 8) | data[at + 1]!;
  while (VLAN_TAGS.has(type)) {
    at += 4;
    if (at + 2 > data.length) return { skippedReason: 'ethernet: truncated VLAN tag' };
    type = (data[at]! << 8) | data[at + 1]!;
  }
  if (type !== ETHERTYPE_IPV6) return { skippedReason: `ethernet: ethertype 0x${type.toString(16).padStart(4, '0')} is not IPv6` };
  return { ipv6: trimToIpv6Length(data.subarray(at + 2)) };
}

function fromRawIp(data: Uint8Array): Extracted {
  if (data.length === 0) return { skippedReason: 'empty frame' };
  const version = data[0]! >> 4;
  if (version === 4) return { skippedReason: 'IPv4 (link type 101)' };
  if (version !== 6) return { skippedReason: `raw IP with version ${version}` };
  return { ipv6: data };
}

// Ethernet pads short frames and some captures keep the FCS: cut the packet at its own length so
// the IPv6 layer sees exactly the packet. A header too damaged to say is passed on untouched.
function trimToIpv6Length(p: Uint8Array): Uint8Array {
  if (p.length < 40 || p[0]! >> 4 !== 6) return p;
  const total = 40 + ((p[4]! << 8) | p[5]!);
  return total < p.length ? p.subarray(0, total) : p;
}
