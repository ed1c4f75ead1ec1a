/**
 * Reads a capture (classic pcap or pcapng) from chunks of any size, as they arrive from a file,
 * a pipe or a socket. Memory is what one record needs: only a record cut by a chunk boundary is
 * kept, and its bytes are joined once when they are all there. Records are handed to `onRecord`
 * while their bytes are valid: `data` and `ipv6` are views that are reused after the call returns.
 *
 * The record before damage is always delivered before the DecodeError for the damage is thrown,
 * so a tool prints what a cut capture holds and then says where it breaks.
 */
import { DecodeError } from '../../core/errors.js';
import { PCAPNG_MAGIC } from '../../core/pcap-format.js';
import type { CaptureFormat, CaptureHeader, Window } from './capture-format.js';
import { openClassic } from './pcap-records.js';
import { openPcapng } from './pcapng-records.js';
import type { PcapRecord } from './record.js';

export type { CaptureHeader } from './capture-format.js';

/** Units up to this size are read across a chunk boundary from a copy of their own bytes. */
const SEAM_LIMIT = 1 << 16;

export class CaptureRecordReader {
  private format: CaptureFormat | undefined;
  private parts: Uint8Array[] = [];
  private partsLength = 0;
  /** Bytes from the start of `parts` needed before reading can go on. */
  private wanted = 1;
  /** File offset of parts[0][0]. */
  private base = 0;
  private count = 0;
  private failed: DecodeError | undefined;

  constructor(private readonly onRecord: (r: PcapRecord) => void) {}

  /** The file's header once it has been read. */
  get header(): CaptureHeader | undefined {
    return this.format?.header;
  }

  /** Records delivered so far. */
  get records(): number {
    return this.count;
  }

  /** Bytes consumed so far (the offset of the next unit). */
  get offset(): number {
    return this.base;
  }

  /**
   * The bytes from here on are a new capture (a followed file rotated or truncated): its header is
   * read afresh, frame numbers go on. Returns how many bytes of an unfinished unit were dropped.
   */
  restart(): number {
    const dropped = this.partsLength;
    this.format = undefined;
    this.parts = [];
    this.partsLength = 0;
    this.wanted = 1;
    this.base = 0;
    this.failed = undefined;
    return dropped;
  }

  /** Reads what `chunk` completes; throws DecodeError on damage (and on any push after it). */
  push(chunk: Uint8Array): void {
    if (this.failed) throw this.failed;
    if (chunk.length === 0) return;
    this.parts.push(chunk);
    this.partsLength += chunk.length;
    if (this.partsLength < this.wanted) return;
    this.run(false);
  }

  /** The stream has ended: a unit left unfinished is damage. */
  end(): void {
    if (this.failed) throw this.failed;
    this.run(true);
  }

  private run(final: boolean): void {
    // A unit cut by a chunk boundary is read from a copy of just its own bytes. Joining the
    // leftover to the whole next chunk copied every chunk once more: a twentieth of a decode.
    while (this.parts.length > 1 && this.wanted <= SEAM_LIMIT && this.partsLength >= this.wanted) {
      const seam = this.take(this.wanted);
      const rest = this.parts;
      const restLength = this.partsLength;
      this.parts = [];
      this.partsLength = 0;
      this.scan(seam, false);
      for (const p of rest) this.parts.push(p);
      this.partsLength += restLength;
    }
    if (this.partsLength < this.wanted && !final) return;
    const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLength);
    this.parts = [];
    this.partsLength = 0;
    this.scan(bytes, final);
  }

  /** The first `n` bytes of `parts`, copied out of them. */
  private take(n: number): Uint8Array {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const p = this.parts[0]!;
      const k = Math.min(p.length, n - filled);
      out.set(k === p.length ? p : p.subarray(0, k), filled);
      filled += k;
      if (k === p.length) this.parts.shift();
      else this.parts[0] = p.subarray(k);
    }
    this.partsLength -= n;
    return out;
  }

  private scan(chunk: Uint8Array, final: boolean): void {
    // Records are views of plain Uint8Array, not Buffer: a Buffer's subarray goes through its
    // own constructor, and a capture makes several views per frame.
    const bytes = chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const w: Window = { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), at: 0, base: this.base, final, nextIndex: this.count + 1 };
    const emit = (r: PcapRecord) => {
      this.count += 1;
      w.nextIndex = this.count + 1;
      this.onRecord(r);
    };
    try {
      this.format ??= this.open(w);
      // The magic (4 bytes) says which format; a classic header is 24.
      if (!this.format) return this.keep(bytes, 0, bytes.length < 4 ? 4 : 24);
      while (w.at < bytes.length) {
        const used = this.format.next(w, emit);
        if (typeof used !== 'number') return this.keep(bytes, w.at, used.wait);
        w.at += used;
      }
      this.keep(bytes, w.at, 1);
    } catch (e) {
      if (e instanceof DecodeError) this.failed = e;
      throw e;
    }
  }

  private open(w: Window): CaptureFormat | undefined {
    const { bytes } = w;
    if (bytes.length < 4 && !w.final) return undefined;
    if (bytes.length >= 4 && w.view.getUint32(0, true) === PCAPNG_MAGIC) return openPcapng();
    return openClassic(w);
  }

  private keep(bytes: Uint8Array, from: number, wanted: number): void {
    this.base += from;
    if (from < bytes.length) {
      // A copy, not a view: the rest of the chunk it sat in can be freed.
      const rest = bytes.length - from > 65536 ? bytes.subarray(from) : new Uint8Array(bytes.subarray(from));
      this.parts = [rest];
      this.partsLength = rest.length;
    }
    this.wanted = wanted;
  }
}
