/**
 * A live capture written as a series of raw-IPv6 pcap files of bounded size, so a monitor left
 * running for days neither fills the disk with one unopenable file nor loses the start of it:
 * `<prefix>-<UTC start>-0001.pcap`, `-0002.pcap`… each a complete capture Wireshark opens on its
 * own (a number another writer of the same second took is skipped), the next one started before a record would take the current one past `maxBytes`.
 *
 * Writes are synchronous: a record is on disk (in the page cache) when write() returns, so a
 * monitor killed with SIGKILL leaves every frame it printed in the file, and a live line at any
 * rate a serial port has cannot build up an unbounded queue in memory.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encodeGlobalHeader, encodeRecord, GLOBAL_HEADER_LEN, LINKTYPE } from '../../core/pcap-format.js';
import { ResourceError, resourceCodeOf } from '../../core/errors.js';
import { makeDirs } from '../../core/make-dirs.js';

export interface RotatingPcapOptions {
  dir: string;
  /** Largest file in bytes, header included (at least one full-size record fits). */
  maxBytes: number;
  /** File name prefix (default 'capture'). */
  prefix?: string;
  /** Start time for the file names (default now). */
  startedAt?: number;
}

/** Big enough for the header and one maximal SLIP frame: a smaller bound could never hold a record. */
export const MIN_ROTATE_BYTES = 4096;

/** Numbers tried past ones other writers hold before giving up (a folder of stale captures). */
const MAX_NAME_TRIES = 10_000;

export class RotatingPcapWriter {
  private fd: number | undefined;
  private size = 0;
  private index = 0;
  private readonly stamp: string;
  private readonly prefix: string;
  readonly files: string[] = [];

  constructor(private readonly opts: RotatingPcapOptions) {
    if (!(Number.isInteger(opts.maxBytes) && opts.maxBytes >= MIN_ROTATE_BYTES)) {
      throw new TypeError(`"maxBytes" must be an integer >= ${MIN_ROTATE_BYTES}, got ${opts.maxBytes}`);
    }
    this.prefix = opts.prefix ?? 'capture';
    this.stamp = new Date(opts.startedAt ?? Date.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    try {
      makeDirs(opts.dir);
    } catch (e) {
      throw new ResourceError(opts.dir, resourceCodeOf(e), `cannot create the capture folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
  }

  /** The file being written (undefined before the first record). */
  get current(): string | undefined {
    return this.files[this.files.length - 1];
  }

  write(ipv6: Uint8Array, atMs: number): void {
    const record = encodeRecord(ipv6, atMs);
    if (this.fd === undefined || (this.size > GLOBAL_HEADER_LEN && this.size + record.length > this.opts.maxBytes)) this.next();
    this.put(record);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private next(): void {
    this.close();
    let file: string;
    for (let tries = 0; ; tries++) {
      this.index++;
      file = join(this.opts.dir, `${this.prefix}-${this.stamp}-${String(this.index).padStart(4, '0')}.pcap`);
      try {
        this.fd = openSync(file, 'wx');
        break;
      } catch (e) {
        // Another monitor started in the same second (or a restart) holds this number: the next
        // free one keeps both captures, in order of creation, never overwriting.
        if ((e as NodeJS.ErrnoException).code === 'EEXIST' && tries < MAX_NAME_TRIES) continue;
        throw new ResourceError(file, resourceCodeOf(e), `cannot create: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
      }
    }
    this.files.push(file);
    this.size = 0;
    this.put(encodeGlobalHeader(LINKTYPE.RAW));
  }

  private put(b: Uint8Array): void {
    try {
      writeSync(this.fd!, b);
    } catch (e) {
      throw new ResourceError(this.current!, resourceCodeOf(e), `cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
    this.size += b.length;
  }
}

/** "100M", "2G", "512k", "65536" → bytes (binary multiples); undefined when not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([kmg]i?b?|b)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase()[0];
  const scale = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.floor(Number(m[1]) * scale);
}
