/**
 * Classic libpcap file format (not pcapng): a 24-byte global header, then records of a 16-byte
 * header and the captured bytes. https://www.tcpdump.org/manpages/pcap-savefile.5.txt
 *
 * In core/ because two layers that may not meet both need it: drivers/pcap reads captures, and
 * harness/report writes the per-test pcap from frame events (reporters know no drivers). Pure:
 * bytes in, bytes out.
 */

export const GLOBAL_HEADER_LEN = 24;
export const RECORD_HEADER_LEN = 16;

/** Magic numbers as read little-endian. */
export const MAGIC = {
  MICRO: 0xa1b2c3d4,
  NANO: 0xa1b23c4d,
} as const;
/** First four bytes of a pcapng section header block, to name the format when refusing it. */
export const PCAPNG_MAGIC = 0x0a0d0d0a;

/** Link types (https://www.tcpdump.org/linktypes.html) this project reads or writes. */
export const LINKTYPE = {
  ETHERNET: 1,
  /** Raw IP; the version nibble says 4 or 6. */
  RAW: 101,
  IPV4: 228,
  IPV6: 229,
} as const;

export const DEFAULT_SNAPLEN = 65535;

/** `nanosecond`: the records' sub-second field counts nanoseconds (encodeRecordAt), not microseconds. */
export function encodeGlobalHeader(linkType: number, snaplen = DEFAULT_SNAPLEN, nanosecond = false): Uint8Array {
  const b = new Uint8Array(GLOBAL_HEADER_LEN);
  const v = new DataView(b.buffer);
  v.setUint32(0, nanosecond ? MAGIC.NANO : MAGIC.MICRO, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  // thiszone 0 and sigfigs 0: timestamps are UTC.
  v.setUint32(16, snaplen, true);
  v.setUint32(20, linkType, true);
  return b;
}

/**
 * One record, header and data in a single buffer so it reaches the file in one write.
 * `atMs` is milliseconds since the epoch; stored with microsecond resolution.
 */
export function encodeRecord(data: Uint8Array, atMs: number, snaplen = DEFAULT_SNAPLEN): Uint8Array {
  const caplen = Math.min(data.length, snaplen);
  const b = new Uint8Array(RECORD_HEADER_LEN + caplen);
  const v = new DataView(b.buffer);
  let sec = Math.floor(atMs / 1000);
  let usec = Math.round((atMs - sec * 1000) * 1000);
  if (usec >= 1_000_000) { sec += 1; usec -= 1_000_000; }
  v.setUint32(0, sec, true);
  v.setUint32(4, usec, true);
  v.setUint32(8, caplen, true);
  v.setUint32(12, data.length, true);
  b.set(caplen === data.length ? data : data.subarray(0, caplen), RECORD_HEADER_LEN);
  return b;
}

/**
 * One record at an exact time: `sub` in the file's units (microseconds, or nanoseconds under a
 * nanosecond header), `originalLength` the packet's length before any cut.
 */
export function encodeRecordAt(data: Uint8Array, seconds: number, sub: number, originalLength = data.length, snaplen = DEFAULT_SNAPLEN): Uint8Array {
  const caplen = Math.min(data.length, snaplen);
  const b = new Uint8Array(RECORD_HEADER_LEN + caplen);
  const v = new DataView(b.buffer);
  v.setUint32(0, seconds, true);
  v.setUint32(4, sub, true);
  v.setUint32(8, caplen, true);
  v.setUint32(12, Math.max(originalLength, caplen), true);
  b.set(caplen === data.length ? data : data.subarray(0, caplen), RECORD_HEADER_LEN);
  return b;
}

/** A whole LINKTYPE_RAW capture of IPv6 packets, ready to be written in one atomic replace. */
export function encodePcap(packets: readonly { ipv6: Uint8Array; at: number }[], snaplen = DEFAULT_SNAPLEN): Uint8Array {
  const parts = [encodeGlobalHeader(LINKTYPE.RAW, snaplen), ...packets.map((p) => encodeRecord(p.ipv6, p.at, snaplen))];
  return Buffer.concat(parts);
}
