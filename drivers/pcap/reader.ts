/**
 * Reads a whole capture held in memory: classic pcap (either byte order, microsecond or nanosecond
 * timestamps) or pcapng, through the same chunked reader that streams files of any size
 * (record-reader.ts), so the two never disagree. Structural damage is a DecodeError naming the byte
 * offset of the bad header; frames that are merely not IPv6 come back as records with
 * `skippedReason`. readPcapPartial keeps the records before the damage, so a tool can show them and
 * then say where the file breaks.
 */
import { readFileSync } from 'node:fs';
import { DecodeError } from '../../core/errors.js';
import type { CaptureHeader } from './capture-format.js';
import { CaptureRecordReader } from './record-reader.js';
import type { PcapRecord } from './record.js';

export type { PcapRecord } from './record.js';

export interface PcapFile extends CaptureHeader {
  records: PcapRecord[];
}

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
  const reader = new CaptureRecordReader((r) => records.push(r));
  const file = () => ({ ...reader.header!, records });
  try {
    reader.push(bytes);
    reader.end();
    return { file: file() };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return reader.header ? { file: file(), error: e } : { error: e };
  }
}
