/**
 * pcapng, one block at a time — what Wireshark and dumpcap save by default
 * (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/): sections in either byte order,
 * interfaces with their link type and timestamp resolution (if_tsresol, if_tsoffset), enhanced,
 * simple and obsolete packet blocks; other blocks (name resolution, statistics, secrets, custom)
 * are skipped. Hand-written like the classic reader: the npm pcapng parsers are single-release
 * stream wrappers that neither report offsets nor survive a damaged file.
 */
import { DecodeError, type DecodeErrorCode } from '../../core/errors.js';
import { PCAPNG_MAGIC } from '../../core/pcap-format.js';
import type { CaptureFormat, CaptureHeader, Window } from './capture-format.js';
import type { PcapRecord } from './record.js';
import { frameRecord } from './pcap-records.js';

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BLOCK = { SHB: PCAPNG_MAGIC, IDB: 1, OPB: 2, SPB: 3, EPB: 6 } as const;
const OPT = { END: 0, IF_TSRESOL: 9, IF_TSOFFSET: 14 } as const;
// Larger than any block real tools write: a length beyond this is garbage.
export const MAX_BLOCK = 0x4000000;

interface Iface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second. */
  unitsPerSec: number;
  /** Seconds added to every timestamp. */
  offsetSec: number;
}

type Fail = (at: number, code: DecodeErrorCode, reason: string) => never;

/** A pcapng reader; the first block (the section header) is read by `next` like any other. */
export function openPcapng(): CaptureFormat {
  const header: CaptureHeader = { format: 'pcapng', linkType: -1, snaplen: 0, littleEndian: true, nanosecond: false };
  let le = true;
  let ifaces: Iface[] = [];
  let sawInterface = false;
  let sawSection = false;

  const next = (w: Window, emit: (r: PcapRecord) => void): number | { wait: number } => {
    const { bytes, view, at } = w;
    const fail: Fail = (o, code, reason) => {
      throw new DecodeError('pcapng', w.base + o, code, reason);
    };
    const left = bytes.length - at;
    if (left < 12) {
      if (!w.final) return { wait: 12 };
      fail(at, 'truncated', `truncated block header (${left} bytes left)`);
    }
    const rawType = view.getUint32(at, true);
    if (rawType === PCAPNG_MAGIC) {
      // A new section: its byte order is the byte-order magic's, and interfaces start afresh.
      if (left < 28) {
        if (!w.final) return { wait: 28 };
        fail(at, 'truncated', 'truncated section header block');
      }
      const bom = view.getUint32(at + 8, true);
      if (bom === BYTE_ORDER_MAGIC) le = true;
      else if (view.getUint32(at + 8, false) === BYTE_ORDER_MAGIC) le = false;
      else fail(at + 8, 'bad-value', `bad byte-order magic 0x${bom.toString(16).padStart(8, '0')}`);
      const major = view.getUint16(at + 12, le);
      if (major !== 1) fail(at + 12, 'unsupported', `unsupported pcapng version ${major}`);
      ifaces = [];
      sawSection = true;
      if (!sawInterface) header.littleEndian = le;
    } else if (!sawSection) {
      fail(at, 'bad-value', 'no section header block at the start');
    }
    const type = view.getUint32(at, le);
    const total = view.getUint32(at + 4, le);
    if (total < 12 || total % 4 !== 0 || total > MAX_BLOCK) fail(at + 4, total > MAX_BLOCK ? 'too-large' : 'bad-value', `block type ${type}: implausible length ${total}`);
    if (total > left) {
      if (!w.final) return { wait: total };
      fail(at, 'truncated', `block type ${type}: truncated (header says ${total} bytes, ${left} remain)`);
    }
    if (view.getUint32(at + total - 4, le) !== total) fail(at + total - 4, 'inconsistent', `block type ${type}: trailing length differs from ${total}`);
    const body = at + 8;
    const end = at + total - 4;
    const off = w.base + at;
    switch (type) {
      case BLOCK.IDB: {
        if (end - body < 8) fail(at, 'truncated', 'interface description block too short');
        const iface = { linkType: view.getUint16(body, le), snaplen: view.getUint32(body + 4, le), unitsPerSec: 1e6, offsetSec: 0 };
        readOptions(view, body + 8, end, le, fail, (code, o, len) => {
          if (code === OPT.IF_TSRESOL && len >= 1) {
            const v = bytes[o]!;
            // Beyond 10^15 or 2^53 units per second the count is no longer an exact double.
            if (v & 0x80 ? (v & 0x7f) > 53 : v > 15) fail(o, 'unsupported', `if_tsresol ${v} is finer than this reader keeps exactly`);
            iface.unitsPerSec = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
          } else if (code === OPT.IF_TSOFFSET && len >= 8) {
            iface.offsetSec = Number(view.getBigInt64(o, le));
          }
        });
        ifaces.push(iface);
        if (!sawInterface) Object.assign(header, { linkType: iface.linkType, snaplen: iface.snaplen, littleEndian: le, nanosecond: iface.unitsPerSec === 1e9 });
        sawInterface = true;
        break;
      }
      case BLOCK.EPB:
      case BLOCK.OPB: {
        if (end - body < 20) fail(at, 'truncated', `packet block too short (${end - body} bytes)`);
        const ifIndex = type === BLOCK.EPB ? view.getUint32(body, le) : view.getUint16(body, le);
        const iface = ifaces[ifIndex] ?? fail(body, 'inconsistent', `packet block names interface ${ifIndex}, but the section has ${ifaces.length}`);
        const hi = view.getUint32(body + 4, le);
        const lo = view.getUint32(body + 8, le);
        const caplen = view.getUint32(body + 12, le);
        const origlen = view.getUint32(body + 16, le);
        if (body + 20 + caplen > end) fail(body + 12, 'truncated', `captured length ${caplen} runs past the block`);
        const u = iface.unitsPerSec;
        const [sec, rest] = splitUnits(hi, lo, u);
        const nanos = toNanos(rest, u);
        // A remainder that rounds to a whole second (resolutions finer than a nanosecond) carries.
        const carry = nanos >= 1e9 ? 1 : 0;
        const time = (sec + iface.offsetSec) * 1000 + rest * (1000 / u);
        emit(frameRecord(w.nextIndex, off, iface.linkType, time, sec + iface.offsetSec + carry, nanos - carry * 1e9, bytes.subarray(body + 20, body + 20 + caplen), origlen));
        break;
      }
      case BLOCK.SPB: {
        const iface = ifaces[0] ?? fail(at, 'inconsistent', 'simple packet block before any interface description');
        if (end - body < 4) fail(at, 'truncated', 'simple packet block too short');
        const origlen = view.getUint32(body, le);
        const room = end - body - 4;
        const caplen = Math.min(origlen, room, iface.snaplen || room);
        emit(frameRecord(w.nextIndex, off, iface.linkType, undefined, undefined, undefined, bytes.subarray(body + 4, body + 4 + caplen), origlen));
        break;
      }
      default:
        break;
    }
    return total;
  };
  return { header, next };
}

/**
 * Whole seconds and the remainder in the interface's units, apart as the classic reader keeps them,
 * so a converted file gives the same doubles as the original. Plain doubles while the count is
 * exact (below 2^53, every microsecond capture until the year 2255); BigInt only beyond.
 */
function splitUnits(hi: number, lo: number, u: number): [number, number] {
  if (hi < 0x200000) {
    const ts = hi * 0x100000000 + lo;
    let sec = Math.floor(ts / u);
    // ts / u is rounded: just under a whole second it can round up to it.
    if (sec * u > ts) sec -= 1;
    return [sec, ts - sec * u];
  }
  const ts = (BigInt(hi) << 32n) | BigInt(lo);
  const units = BigInt(u);
  return [Number(ts / units), Number(ts % units)];
}

/** The remainder in nanoseconds: exact for decimal resolutions down to 1 ns, rounded otherwise (it may reach 1e9). */
function toNanos(rest: number, u: number): number {
  return u <= 1e9 && 1e9 % u === 0 ? rest * (1e9 / u) : Math.round((rest / u) * 1e9);
}

/** Walks code/length/value options, 32-bit aligned, up to opt_endofopt or the block's end. */
function readOptions(view: DataView, from: number, end: number, le: boolean, fail: Fail, each: (code: number, at: number, len: number) => void): void {
  let o = from;
  while (o + 4 <= end) {
    const code = view.getUint16(o, le);
    const len = view.getUint16(o + 2, le);
    if (code === OPT.END) return;
    if (o + 4 + len > end) fail(o + 2, 'truncated', `option ${code}: length ${len} runs past the block`);
    each(code, o + 4, len);
    o += 4 + ((len + 3) & ~3);
  }
}
