/**
 * What the chunked reader (record-reader.ts) asks of a capture format. A format reads one unit
 * (global header, record, block) at a time from a window of the stream; it never sees the whole
 * file, so pcap and pcapng read files of any size, and stdin, in constant memory.
 */
import type { PcapRecord } from './record.js';

export interface CaptureHeader {
  format: 'pcap' | 'pcapng';
  /** The file's (pcapng: the first interface's; -1 until one is read). */
  linkType: number;
  snaplen: number;
  littleEndian: boolean;
  nanosecond: boolean;
}

export interface Window {
  bytes: Uint8Array;
  view: DataView;
  /** Where the unit starts in `bytes`. */
  at: number;
  /** File offset of bytes[0], for error offsets and PcapRecord.offset. */
  base: number;
  /** True when the stream has ended: no more bytes will come, so a short unit is damage. */
  final: boolean;
  /** Frame number the next record gets: the reader numbers records across chunks. */
  nextIndex: number;
}

/**
 * Reads the unit at `w.at`. Returns the bytes it used (> 0), or — when the window ends inside the
 * unit and more may come — `{ wait: n }` with how many bytes from `w.at` it needs. When `w.final`
 * it throws DecodeError('truncated') instead of waiting.
 */
export type UnitReader = (w: Window, emit: (r: PcapRecord) => void) => number | { wait: number };

export interface CaptureFormat {
  header: CaptureHeader;
  next: UnitReader;
}
