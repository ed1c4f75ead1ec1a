/**
 * `hil decode --pcap OUT`: the frames that passed the filters, as a raw-IPv6 pcap Wireshark opens.
 * Its header waits for the first record (or the end): a nanosecond capture is copied with a
 * nanosecond header and its figures exactly, which the capture's header tells only once read.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { ResourceError } from '../../core/errors.js';
import { encodeGlobalHeader, encodeRecordAt, LINKTYPE } from '../../core/pcap-format.js';
import type { PcapRecord } from '../../drivers/pcap/record.js';
import { TextSink } from './text-sink.js';

export class PcapOut {
  /** Batched writes that wait for a slow disk (the same backpressure as the decoded text). */
  private readonly sink: TextSink;
  /** undefined until the header is written; then whether records count nanoseconds. */
  private nanosecond: boolean | undefined;

  private constructor(
    private readonly stream: WriteStream,
    /** Whether the capture being decoded has nanosecond times (asked at the first record). */
    private readonly inputNanosecond: () => boolean,
  ) {
    this.sink = new TextSink(stream);
  }

  static async open(path: string, inputNanosecond: () => boolean): Promise<PcapOut> {
    const stream = createWriteStream(path);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (e) => reject(new ResourceError(path, 'unavailable', `cannot write: ${(e as NodeJS.ErrnoException).code ?? e.message}`, { cause: e })));
    });
    return new PcapOut(stream, inputNanosecond);
  }

  write(r: PcapRecord, ipv6: Uint8Array): void {
    const nano = this.header();
    // A frame without a time, or one no pcap can hold, is written at 0 rather than dropped.
    const fits = r.seconds !== undefined && r.seconds >= 0 && r.seconds < 2 ** 32;
    const seconds = fits ? r.seconds! : 0;
    const sub = fits ? (nano ? r.nanos! : Math.floor(r.nanos! / 1000)) : 0;
    // A cut frame keeps its original length (less the link header), so Wireshark shows the cut too.
    const original = ipv6.length + Math.max(0, r.originalLength - r.capturedLength);
    this.sink.bytes(encodeRecordAt(ipv6, seconds, sub, original));
  }

  drained(): Promise<void> {
    return this.sink.flush();
  }

  async close(): Promise<void> {
    this.header();
    await this.sink.flush();
    return new Promise((resolve, reject) => {
      this.stream.end((e?: Error | null) => (e ? reject(new ResourceError(this.stream.path.toString(), 'io', `cannot write: ${e.message}`, { cause: e })) : resolve()));
    });
  }

  private header(): boolean {
    if (this.nanosecond === undefined) {
      this.nanosecond = this.inputNanosecond();
      this.sink.bytes(encodeGlobalHeader(LINKTYPE.RAW, undefined, this.nanosecond));
    }
    return this.nanosecond;
  }
}
