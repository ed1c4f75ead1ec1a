/**
 * Classic libpcap, one unit at a time (https://www.tcpdump.org/manpages/pcap-savefile.5.txt):
 * either byte order, microsecond or nanosecond timestamps (a sub-second field of a whole second or
 * more is carried into the seconds). Structural damage (short header,
 * unknown magic, a record running past the end, an absurd length) is a DecodeError naming the
 * file offset of the bad header.
 */
import { DecodeError } from '../../core/errors.js';
import { GLOBAL_HEADER_LEN, MAGIC, RECORD_HEADER_LEN } from '../../core/pcap-format.js';
import type { CaptureFormat, Window } from './capture-format.js';
import type { PcapRecord } from './record.js';
import { extractIpv6 } from './link-layer.js';

// Larger than any snaplen tools write (256 KiB for some USB captures): a length beyond this is garbage.
export const MAX_RECORD = 0x4000000;

/** Reads the global header at the start of `w`; undefined when it needs more bytes. */
export function openClassic(w: Window): CaptureFormat | undefined {
  const { bytes, view, at } = w;
  const have = bytes.length - at;
  if (have < GLOBAL_HEADER_LEN) {
    if (!w.final) return undefined;
    throw new DecodeError('pcap', w.base + bytes.length, 'truncated', 'truncated global header');
  }
  const m = view.getUint32(at, true);
  const mBig = view.getUint32(at, false);
  let littleEndian: boolean;
  let nanosecond: boolean;
  if (m === MAGIC.MICRO || m === MAGIC.NANO) {
    littleEndian = true;
    nanosecond = m === MAGIC.NANO;
  } else if (mBig === MAGIC.MICRO || mBig === MAGIC.NANO) {
    littleEndian = false;
    nanosecond = mBig === MAGIC.NANO;
  } else {
    throw new DecodeError('pcap', w.base + at, 'bad-value', `unknown magic 0x${mBig.toString(16).padStart(8, '0')}`);
  }
  const major = view.getUint16(at + 4, littleEndian);
  if (major !== 2) throw new DecodeError('pcap', w.base + at + 4, 'unsupported', `unsupported version ${major}`);
  const snaplen = view.getUint32(at + 16, littleEndian);
  // The upper bits of the link type field carry FCS flags in newer files; the type is the low 28 bits.
  const linkType = view.getUint32(at + 20, littleEndian) & 0x0fffffff;
  const header = { format: 'pcap' as const, linkType, snaplen, littleEndian, nanosecond };
  let started = false;
  const next = (u: Window, emit: (r: PcapRecord) => void): number | { wait: number } => {
    if (!started) {
      started = true;
      return GLOBAL_HEADER_LEN;
    }
    return readRecord(u, header, emit);
  };
  return { header, next };
}

function readRecord(w: Window, h: { linkType: number; littleEndian: boolean; nanosecond: boolean }, emit: (r: PcapRecord) => void): number | { wait: number } {
  const { bytes, view, at, nextIndex: index } = w;
  const off = w.base + at;
  const left = bytes.length - at;
  if (left < RECORD_HEADER_LEN) {
    if (!w.final) return { wait: RECORD_HEADER_LEN };
    throw new DecodeError('pcap', off, 'truncated', `record ${index}: truncated record header (${left} of ${RECORD_HEADER_LEN} bytes)`);
  }
  const le = h.littleEndian;
  let sec = view.getUint32(at, le);
  let frac = view.getUint32(at + 4, le);
  const caplen = view.getUint32(at + 8, le);
  const origlen = view.getUint32(at + 12, le);
  const perSec = h.nanosecond ? 1e9 : 1e6;
  if (frac >= perSec) {
    // Writers that round 999999.6 µs up to 1000000 without carrying exist; libpcap passes the field
    // on as is. Carried into the seconds, the frame keeps its place in time (it stopped the decode).
    const carry = Math.floor(frac / perSec);
    sec += carry;
    frac -= carry * perSec;
  }
  if (caplen > MAX_RECORD) throw new DecodeError('pcap', off + 8, 'too-large', `record ${index}: captured length ${caplen} is implausible`);
  const total = RECORD_HEADER_LEN + caplen;
  if (left < total) {
    if (!w.final) return { wait: total };
    throw new DecodeError('pcap', off, 'truncated', `record ${index}: truncated (header says ${caplen} bytes, ${left - RECORD_HEADER_LEN} remain)`);
  }
  const start = at + RECORD_HEADER_LEN;
  const time = sec * 1000 + frac * (h.nanosecond ? 1e-6 : 1e-3);
  emit(frameRecord(index, off, h.linkType, time, sec, h.nanosecond ? frac : frac * 1000, bytes.subarray(start, start + caplen), origlen));
  return total;
}

/**
 * A record with its IPv6 packet found, or the reason there is none. One object shape for every
 * record (absent members are undefined): this runs for every frame of a multi-gigabyte capture.
 */
export function frameRecord(index: number, offset: number, linkType: number, time: number | undefined, seconds: number | undefined, nanos: number | undefined, data: Uint8Array, originalLength: number): PcapRecord {
  // A frame the snaplen cut keeps what was captured: its decoder shows what those bytes hold.
  const x = extractIpv6(linkType, data);
  const ipv6 = x.ipv6;
  const skippedReason = x.skippedReason === undefined || data.length >= originalLength ? x.skippedReason : `${x.skippedReason} (captured ${data.length} of ${originalLength} bytes: snaplen)`;
  return { index, time, seconds, nanos, linkType, ipv6, skippedReason, offset, capturedLength: data.length, originalLength, data };
}
