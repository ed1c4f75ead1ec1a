/**
 * Reads pcapng, what Wireshark and dumpcap save by default
 * (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/): sections in either byte order,
 * interfaces with their link type and timestamp resolution (if_tsresol, if_tsoffset), enhanced,
 * simple and obsolete packet blocks; other blocks (name resolution, statistics, secrets, custom)
 * are skipped. Hand-written like the classic reader: the npm pcapng parsers are single-release
 * stream wrappers that neither report offsets nor survive a damaged file.
 *
 * Records are pushed as they are read, so a caller holding the array keeps every record before
 * the damage when DecodeError('pcapng', offset, code, reason) is thrown.
 */
import { DecodeError, type DecodeErrorCode } from '../../core/errors.js';
import { PCAPNG_MAGIC } from '../../core/pcap-format.js';
import { extractIpv6 } from './link-layer.js';
import type { PcapRecord } from './record.js';

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BLOCK = { SHB: PCAPNG_MAGIC, IDB: 1, OPB: 2, SPB: 3, EPB: 6 } as const;
const OPT = { END: 0, IF_TSRESOL: 9, IF_TSOFFSET: 14 } as const;
// Larger than any block real tools write: a length beyond this is garbage.
const MAX_BLOCK = 0x4000000;

interface Iface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second. */
  unitsPerSec: number;
  /** Seconds added to every timestamp. */
  offsetSec: number;
}

export interface PcapngInfo {
  /** The first interface's; -1 when the file has none. */
  linkType: number;
  snaplen: number;
  littleEndian: boolean;
  /** Whether the first interface has nanosecond resolution. */
  nanosecond: boolean;
}

export function readPcapng(bytes: Uint8Array, records: PcapRecord[]): PcapngInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (at: number, code: DecodeErrorCode, reason: string): never => {
    throw new DecodeError('pcapng', at, code, reason);
  };
  let le = true;
  let ifaces: Iface[] = [];
  let info: PcapngInfo | undefined;
  let sawSection = false;
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 12) fail(at, 'truncated', `truncated block header (${bytes.length - at} bytes left)`);
    const rawType = view.getUint32(at, true);
    if (rawType === PCAPNG_MAGIC) {
      // A new section: its byte order is the byte-order magic's, and interfaces start afresh.
      if (bytes.length - at < 28) fail(at, 'truncated', 'truncated section header block');
      const bom = view.getUint32(at + 8, true);
      if (bom === BYTE_ORDER_MAGIC) le = true;
      else if (view.getUint32(at + 8, false) === BYTE_ORDER_MAGIC) le = false;
      else fail(at + 8, 'bad-value', `bad byte-order magic 0x${bom.toString(16).padStart(8, '0')}`);
      const major = view.getUint16(at + 12, le);
      if (major !== 1) fail(at + 12, 'unsupported', `unsupported pcapng version ${major}`);
      ifaces = [];
      sawSection = true;
    } else if (!sawSection) {
      fail(at, 'bad-value', 'no section header block at the start');
    }
    const type = view.getUint32(at, le);
    const total = view.getUint32(at + 4, le);
    if (total < 12 || total % 4 !== 0 || total > MAX_BLOCK) fail(at + 4, total > MAX_BLOCK ? 'too-large' : 'bad-value', `block type ${type}: implausible length ${total}`);
    if (at + total > bytes.length) fail(at, 'truncated', `block type ${type}: truncated (header says ${total} bytes, ${bytes.length - at} remain)`);
    if (view.getUint32(at + total - 4, le) !== total) fail(at + total - 4, 'inconsistent', `block type ${type}: trailing length differs from ${total}`);
    const body = at + 8;
    const end = at + total - 4;
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
            iface.offsetSec = Number(le ? view.getBigInt64(o, true) : view.getBigInt64(o, false));
          }
        });
        ifaces.push(iface);
        info ??= { linkType: iface.linkType, snaplen: iface.snaplen, littleEndian: le, nanosecond: iface.unitsPerSec === 1e9 };
        break;
      }
      case BLOCK.EPB:
      case BLOCK.OPB: {
        if (end - body < 20) fail(at, 'truncated', `packet block too short (${end - body} bytes)`);
        const ifIndex = type === BLOCK.EPB ? view.getUint32(body, le) : view.getUint16(body, le);
        const iface = ifaces[ifIndex] ?? fail(body, 'inconsistent', `packet block names interface ${ifIndex}, but the section has ${ifaces.length}`);
        const ts = (BigInt(view.getUint32(body + 4, le)) << 32n) | BigInt(view.getUint32(body + 8, le));
        const caplen = view.getUint32(body + 12, le);
        const origlen = view.getUint32(body + 16, le);
        if (body + 20 + caplen > end) fail(body + 12, 'truncated', `captured length ${caplen} runs past the block`);
        // Whole seconds and the remainder apart, as the classic reader does, so a converted file
        // gives the same doubles as the original.
        const units = BigInt(iface.unitsPerSec);
        const time = (Number(ts / units) + iface.offsetSec) * 1000 + Number(ts % units) * (1000 / iface.unitsPerSec);
        push(records, at, iface.linkType, time, bytes.subarray(body + 20, body + 20 + caplen), origlen);
        break;
      }
      case BLOCK.SPB: {
        const iface = ifaces[0] ?? fail(at, 'inconsistent', 'simple packet block before any interface description');
        if (end - body < 4) fail(at, 'truncated', 'simple packet block too short');
        const origlen = view.getUint32(body, le);
        const room = end - body - 4;
        const caplen = Math.min(origlen, room, iface.snaplen || room);
        push(records, at, iface.linkType, undefined, bytes.subarray(body + 4, body + 4 + caplen), origlen);
        break;
      }
      default:
        break;
    }
    at += total;
  }
  if (!sawSection) fail(0, 'truncated', 'empty file');
  return info ?? { linkType: -1, snaplen: 0, littleEndian: le, nanosecond: false };
}

function push(records: PcapRecord[], offset: number, linkType: number, time: number | undefined, data: Uint8Array, originalLength: number): void {
  const base = { index: records.length + 1, time, linkType, offset, capturedLength: data.length, originalLength, data };
  if (data.length < originalLength) {
    records.push({ ...base, ipv6: undefined, skippedReason: `captured ${data.length} of ${originalLength} bytes (snaplen)` });
    return;
  }
  const x = extractIpv6(linkType, data);
  records.push(x.ipv6 ? { ...base, ipv6: x.ipv6 } : { ...base, ipv6: undefined, skippedReason: x.skippedReason });
}

/** Walks code/length/value options, 32-bit aligned, up to opt_endofopt or the block's end. */
function readOptions(view: DataView, from: number, end: number, le: boolean, fail: (at: number, code: DecodeErrorCode, reason: string) => never, each: (code: number, at: number, len: number) => void): void {
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
