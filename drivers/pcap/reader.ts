/**
 * Reads a whole capture: classic pcap (either byte order, microsecond or nanosecond timestamps)
 * or pcapng (pcapng.ts). Structural damage (short header, unknown magic, a record running past
 * the end, an absurd length) is a DecodeError naming the byte offset of the bad header; frames
 * that are merely not IPv6 come back as records with `skippedReason`. readPcapPartial keeps the
 * records before the damage, so a tool can show them and then say where the file breaks.
 */
import { readFileSync } from 'node:fs';
import { DecodeError } from '../../core/errors.js';
import { GLOBAL_HEADER_LEN, MAGIC, PCAPNG_MAGIC, RECORD_HEADER_LEN } from '../../core/pcap-format.js';
import { extractIpv6 } from './link-layer.js';
import { readPcapng } from './pcapng.js';
import type { PcapRecord } from './record.js';

export type { PcapRecord } from './record.js';

export interface PcapFile {
  format: 'pcap' | 'pcapng';
  /** The file's (pcapng: the first interface's). */
  linkType: number;
  snaplen: number;
  littleEndian: boolean;
  nanosecond: boolean;
  records: PcapRecord[];
}

// Larger than any snaplen tools write (256 KiB for some USB captures): a length beyond this is garbage.
const MAX_RECORD = 0x4000000;

export function readPcapFile(path: string): PcapFile {
  return readPcap(readFileSync(path));
}

export function readPcap(bytes: Uint8Array): PcapFile {
  const r = readPcapPartial(bytes);
  if (r.error) throw r.error;
  return r.file;
}

/** The records up to any damage, and the damage; `file` is absent when not even the header reads. */
export function readPcapPartial(bytes: Uint8Array): { file: PcapFile; error?: undefined } | { file?: PcapFile; error: DecodeError } {
  const records: PcapRecord[] = [];
  let header: Omit<PcapFile, 'records'> | undefined;
  try {
    if (bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === PCAPNG_MAGIC) {
      header = { format: 'pcapng', linkType: -1, snaplen: 0, littleEndian: true, nanosecond: false };
      Object.assign(header, readPcapng(bytes, records));
    } else {
      readClassic(bytes, records, (h) => (header = h));
    }
    return { file: { ...header!, records } };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return header ? { file: { ...header, records }, error: e } : { error: e };
  }
}

function readClassic(bytes: Uint8Array, records: PcapRecord[], onHeader: (h: Omit<PcapFile, 'records'>) => void): void {
  if (bytes.length < GLOBAL_HEADER_LEN) throw new DecodeError('pcap', bytes.length, 'truncated', 'truncated global header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const m = view.getUint32(0, true);
  const mBig = view.getUint32(0, false);
  let littleEndian: boolean;
  let nanosecond: boolean;
  if (m === MAGIC.MICRO || m === MAGIC.NANO) {
    littleEndian = true;
    nanosecond = m === MAGIC.NANO;
  } else if (mBig === MAGIC.MICRO || mBig === MAGIC.NANO) {
    littleEndian = false;
    nanosecond = mBig === MAGIC.NANO;
  } else {
    throw new DecodeError('pcap', 0, 'bad-value', `unknown magic 0x${mBig.toString(16).padStart(8, '0')}`);
  }
  const major = view.getUint16(4, littleEndian);
  if (major !== 2) throw new DecodeError('pcap', 4, 'unsupported', `unsupported version ${major}`);
  const snaplen = view.getUint32(16, littleEndian);
  // The upper bits of the link type field carry FCS flags in newer files; the type is the low 28 bits.
  const linkType = view.getUint32(20, littleEndian) & 0x0fffffff;
  const fraction = nanosecond ? 1e-6 : 1e-3;
  onHeader({ format: 'pcap', linkType, snaplen, littleEndian, nanosecond });

  let at = GLOBAL_HEADER_LEN;
  while (at < bytes.length) {
    const index = records.length + 1;
    if (bytes.length - at < RECORD_HEADER_LEN) {
      throw new DecodeError('pcap', at, 'truncated', `record ${index}: truncated record header (${bytes.length - at} of ${RECORD_HEADER_LEN} bytes)`);
    }
    const sec = view.getUint32(at, littleEndian);
    const frac = view.getUint32(at + 4, littleEndian);
    const caplen = view.getUint32(at + 8, littleEndian);
    const origlen = view.getUint32(at + 12, littleEndian);
    if (frac >= (nanosecond ? 1e9 : 1e6)) throw new DecodeError('pcap', at + 4, 'bad-value', `record ${index}: sub-second field ${frac} out of range`);
    if (caplen > MAX_RECORD) throw new DecodeError('pcap', at + 8, 'too-large', `record ${index}: captured length ${caplen} is implausible`);
    const start = at + RECORD_HEADER_LEN;
    if (start + caplen > bytes.length) {
      throw new DecodeError('pcap', at, 'truncated', `record ${index}: truncated (header says ${caplen} bytes, ${bytes.length - start} remain)`);
    }
    const data = bytes.subarray(start, start + caplen);
    const time = sec * 1000 + frac * fraction;
    const base = { index, time, linkType, offset: at, capturedLength: caplen, originalLength: origlen, data };
    if (caplen < origlen) {
      records.push({ ...base, ipv6: undefined, skippedReason: `captured ${caplen} of ${origlen} bytes (snaplen)` });
    } else {
      const x = extractIpv6(linkType, data);
      records.push(x.ipv6 ? { ...base, ipv6: x.ipv6 } : { ...base, ipv6: undefined, skippedReason: x.skippedReason });
    }
    at = start + caplen;
  }
}
