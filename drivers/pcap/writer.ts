/**
 * Streaming pcap writer to a file. Synchronous on purpose: the global header is on disk when open()
 * returns and every record goes out in one write(2), so a run killed at any point leaves a file
 * that ends on a whole record (an interrupted process cannot leave half of a single write behind
 * on a local filesystem short of a full disk).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { ResourceError } from '../../harness/errors.js';
import { DEFAULT_SNAPLEN, encodeGlobalHeader, encodeRecord, LINKTYPE } from './format.js';

export interface PcapWriterOptions {
  /** Default LINKTYPE_RAW (101): the bytes are IPv6 packets with no link header. */
  linkType?: number;
  snaplen?: number;
}

export class PcapWriter {
  private fd: number | undefined;
  private count = 0;

  private constructor(
    readonly path: string,
    fd: number,
    private readonly snaplen: number,
  ) {
    this.fd = fd;
  }

  static open(path: string, opts: PcapWriterOptions = {}): PcapWriter {
    const linkType = opts.linkType ?? LINKTYPE.RAW;
    const snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    if (!Number.isInteger(linkType) || linkType < 0) throw new TypeError(`"linkType" must be a non-negative integer, got ${linkType}`);
    if (!Number.isInteger(snaplen) || snaplen < 1) throw new TypeError(`"snaplen" must be a positive integer, got ${snaplen}`);
    let fd: number;
    try {
      fd = openSync(path, 'w');
      writeSync(fd, encodeGlobalHeader(linkType, snaplen));
    } catch (e) {
      throw new ResourceError(path, `cannot write pcap: ${(e as Error).message}`, { cause: e });
    }
    return new PcapWriter(path, fd, snaplen);
  }

  /** Records written so far. */
  get records(): number {
    return this.count;
  }

  get closed(): boolean {
    return this.fd === undefined;
  }

  /** Appends one packet captured at `atMs` (ms since the epoch). Writing after close() is a bug: throws. */
  write(packet: Uint8Array, atMs: number = Date.now()): void {
    if (this.fd === undefined) throw new ResourceError(this.path, 'pcap writer is closed');
    const rec = encodeRecord(packet, atMs, this.snaplen);
    for (let off = 0; off < rec.length; ) off += writeSync(this.fd, rec, off);
    this.count++;
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }
}
