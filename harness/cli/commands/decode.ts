import { InvalidArgumentError, type Command } from 'commander';
import { fromHex } from '../../../core/bytes.js';
import { ConfigError, DecodeError, ResourceError } from '../../../core/errors.js';
import { fileChunks, type RestartReason } from '../../../drivers/pcap/file-chunks.js';
import { DECODED_LINK_TYPES, isDecodedLinkType } from '../../../drivers/pcap/link-layer.js';
import { CaptureRecordReader } from '../../../drivers/pcap/record-reader.js';
import type { PcapRecord } from '../../../drivers/pcap/record.js';
import { Conversations, type MessageFacts } from '../../decode/conversation.js';
import { availableParallelism } from 'node:os';
import type { FilterOptions } from '../../decode/filter.js';
import { decodeCoapMessage, decodeIpv6Message } from '../../decode/message.js';
import { ByteWriter } from '../../../core/byte-writer.js';
import { renderJsonLine } from '../../decode/json-line.js';
import { renderText, type MessageContext } from '../../decode/render.js';
import { Tally } from '../../decode/tally.js';
import { FrameLines, NO_FACTS } from '../decode-lines.js';
import { DecodePool } from '../decode-pool.js';
import { PcapOut } from '../decode-pcap-out.js';
import { exitAfterOutput } from '../exit-after-output.js';
import { refuseOutputOverInput } from '../option-values.js';
import { TextSink, type TextStream } from '../text-sink.js';

export interface DecodeOptions extends FilterOptions {
  hex?: string;
  json?: boolean;
  ports: string;
  all?: boolean;
  count?: boolean;
  follow?: boolean;
  pcap?: string;
  /** Worker threads that decode; 1 or absent: this thread only (the CLI's default is two when the machine has two cores). */
  threads?: number;
}

export interface DecodeIo {
  out: TextStream;
  err: (line: string) => void;
  /** What `hil decode -` reads. */
  stdin?: AsyncIterable<Uint8Array>;
  /** Ends a --follow (or any read) at the next chunk; the tally, if asked for, is still printed. */
  signal?: AbortSignal;
}

export function registerDecode(program: Command): void {
  program
    .command('decode')
    .description('decode every CSMP message of a pcap or pcapng (Ethernet or raw IP) of any size, or from stdin (-), or one message given as hex')
    .argument('[file]', 'pcap or pcapng file, or - for stdin (dumpcap -w - | hil decode -)')
    .option('--hex <hex>', 'decode one message: an IPv6 packet, or a bare CoAP message')
    .option('--json', 'NDJSON: one JSON object per line per message')
    .option('--ports <list>', 'UDP ports that carry CSMP (either side)', '61628,61624')
    .option('--all', 'decode every UDP datagram as CoAP, whatever its ports')
    .option('--device <list>', 'only messages to or from these devices: EUI-64 (DeviceID: 00173B0000000001, 00:17:3b:00:00:00:00:01 or 00-17-…) or IPv6 address, comma-separated')
    .option('--tlv <list>', 'only messages carrying or asking for these TLVs (75,35 or e5771.127)')
    .option('--code <list>', 'only these CoAP codes: 2.05, 4.xx, GET, POST')
    .option('--path <list>', 'only requests to these paths, and their responses (r, c)')
    .option('--since <time>', 'only frames at or after the start of this time (ISO 8601; no zone: UTC)')
    .option('--until <time>', 'only frames up to the end of this time as precise as it is given: 2026-12-06T10:00 keeps all of 10:00:59.999…; must be later than --since')
    .option('--count', 'print how many messages per device, path and code instead of the messages')
    .option('--follow', 'at the end of the file, wait for more (a capture still being written), as tail -F: a file rotated or truncated is read again from its start; Ctrl-C ends')
    .option('--pcap <out>', 'also write the frames that pass the filters to this pcap (raw IPv6)')
    .option('--threads <n>', 'worker threads that decode (1: one thread); default 2 (1 on a one-core machine). --count, --path, --device and --pcap decode on one thread', threadCount, defaultThreads())
    .action(async (file: string | undefined, opts: DecodeOptions) => {
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.exitCode = await runDecode(file, opts, { out: process.stdout, err: (line) => process.stderr.write(`${line}\n`), stdin: process.stdin, signal: stop.signal });
      // A --follow ended by Ctrl-C leaves the file watcher's handle closing; nothing else is pending.
      exitAfterOutput(process.exitCode);
    });
}

/**
 * Returns the exit code: 0 decoded, 1 a --hex message did not decode, 2 the input could not be read
 * or was not what it claimed (a capture whose frames are all of link types not decoded included).
 */
export async function runDecode(file: string | undefined, opts: DecodeOptions, io: DecodeIo): Promise<number> {
  const sink = new TextSink(io.out);
  if (opts.hex !== undefined) {
    const bytes = fromHex(opts.hex.replace(/[\s:]/g, ''));
    if (!bytes) {
      io.err(`hil decode: --hex: not an even-length hex string`);
      return 2;
    }
    const m = looksLikeIpv6(bytes) ? decodeIpv6Message(bytes) : decodeCoapMessage(bytes);
    sink.line(opts.json ? renderJsonLine(m, {}) : renderText(m, {}));
    await sink.flush();
    return m.error ? 1 : 0;
  }
  if (!file) {
    io.err('hil decode: give a pcap file (- for stdin) or --hex HEX');
    return 2;
  }
  const name = file === '-' ? 'stdin' : file;
  let decoder: CaptureDecoder;
  try {
    decoder = new CaptureDecoder(opts, sink, (line) => io.err(`hil decode: ${name}: ${line}`));
    // Before the output is opened: opening it truncates it, and it may be the capture itself.
    const input = file !== '-' ? file : io.stdin === process.stdin ? '-' : undefined;
    if (opts.pcap && input !== undefined) refuseOutputOverInput('--pcap', opts.pcap, [{ path: input, what: 'capture being decoded' }]);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.err(`hil decode: ${e.message}`);
    return 2;
  }
  const onRestart = (why: RestartReason): void => {
    const dropped = decoder.reader.restart();
    const what = why === 'rotated' ? 'replaced by a new file' : 'truncated';
    io.err(`hil decode: ${name}: ${what}: reading it from its start${dropped ? ` (${dropped} bytes of an unfinished record dropped)` : ''}`);
  };
  const source: AsyncIterable<Uint8Array> =
    file === '-' ? (io.stdin ?? noInput()) : fileChunks(file, { follow: opts.follow, signal: io.signal, chunkBytes: 1 << 18, onRestart });
  let pcapOut: PcapOut | undefined;
  try {
    if (opts.pcap) pcapOut = await PcapOut.open(opts.pcap, () => decoder.reader.header?.nanosecond ?? false);
    decoder.pcapOut = pcapOut;
    // Everything before damage is printed first: a capture cut short by a killed dumpcap still
    // shows what it holds, and then the error says where it breaks.
    decoder.useThreads(opts.threads ?? 1);
    await readChunks(source, (w) => decoder.whileWaiting(w, () => sink.flush()), async (chunk) => {
      decoder.reader.push(chunk);
      decoder.checkHeader();
      await decoder.drain();
      await sink.flush();
      await pcapOut?.drained();
      return !io.signal?.aborted;
    });
    if (!io.signal?.aborted) decoder.reader.end();
    decoder.checkHeader();
    await decoder.finish();
    await sink.flush();
    // A capture of a link type not decoded at all is no capture without CSMP in it: say so, and fail.
    if (decoder.undecodedLinkTypes.size && decoder.decodableFrames === 0) {
      io.err(`hil decode: ${name}: nothing decoded: no frame is of a link type hil decodes (${decoder.skippedFrames} skipped)`);
      return 2;
    }
    return 0;
  } catch (e) {
    if (e instanceof DecodeError) {
      await decoder.finish();
      await sink.flush();
      const n = decoder.reader.records;
      const after = decoder.reader.header ? `, after ${n} record${n === 1 ? '' : 's'}` : '';
      io.err(`hil decode: ${name}: ${e.reason} (byte offset ${e.offset}${after})`);
      return 2;
    }
    await sink.flush();
    if (e instanceof ResourceError) {
      io.err(`hil decode: ${e.message}`);
      return 2;
    }
    throw e;
  } finally {
    await decoder.close();
    await pcapOut?.close();
  }
}

/** Records in, decoded and filtered messages (or their tally) out. */
class CaptureDecoder {
  readonly reader = new CaptureRecordReader((r) => this.record(r));
  pcapOut: PcapOut | undefined;
  private readonly lines: FrameLines;
  private readonly conversations: Conversations | undefined;
  private readonly tally: Tally | undefined;
  private readonly line = new ByteWriter();
  private pool: DecodePool | undefined;
  /** Link types met that extractIpv6 does not read: each said once, as soon as it is met. */
  readonly undecodedLinkTypes = new Set<number>();
  /** Frames of a link type that is decoded (whether or not they hold CSMP), and frames skipped for theirs. */
  decodableFrames = 0;
  skippedFrames = 0;

  constructor(
    private readonly opts: DecodeOptions,
    private readonly sink: TextSink,
    /** A note for stderr about the capture. */
    private readonly note: (line: string) => void,
  ) {
    this.lines = new FrameLines(opts);
    this.tally = opts.count ? new Tally() : undefined;
    // Paths of responses and devices of addresses come from earlier frames: tracked only when asked for.
    this.conversations = opts.count || opts.path !== undefined || opts.device !== undefined ? new Conversations() : undefined;
  }

  /** Decodes on `threads` worker threads when each frame's line depends on that frame alone. */
  useThreads(threads: number): void {
    if (threads < 2 || this.conversations || this.tally || this.pcapOut) return;
    this.pool = new DecodePool(threads, this.opts);
  }

  /**
   * A classic pcap names its one link type in the header: an unsupported one is said at once, not
   * only after a whole capture (or a --follow) has gone by in silence.
   */
  checkHeader(): void {
    const h = this.reader.header;
    if (h?.format === 'pcap') this.undecodedLinkType(h.linkType);
  }

  private undecodedLinkType(linkType: number, frame?: number): boolean {
    if (isDecodedLinkType(linkType)) return false;
    if (!this.undecodedLinkTypes.has(linkType)) {
      this.undecodedLinkTypes.add(linkType);
      this.note(`${frame !== undefined ? `frame ${frame}: ` : ''}link type ${linkType} is not one hil decodes (${DECODED_LINK_TYPES}); its frames are skipped`);
    }
    return true;
  }

  private record(r: PcapRecord): void {
    if (this.undecodedLinkType(r.linkType, r.index)) {
      this.skippedFrames += 1;
      return;
    }
    this.decodableFrames += 1;
    if (!r.ipv6) return;
    if (this.pool) return this.pool.add(r.ipv6, r.index, r.time);
    const m = decodeIpv6Message(r.ipv6, { trailing: 'ignore' });
    if (!this.lines.onCsmpPort(m)) return;
    const facts: MessageFacts = this.conversations?.observe(m) ?? NO_FACTS;
    if (this.lines.filter && !this.lines.filter(m, facts, r.time)) return;
    this.pcapOut?.write(r, r.ipv6);
    if (this.tally) return this.tally.add(m, facts);
    const ctx: MessageContext = r.time !== undefined ? { frame: r.index, time: r.time } : { frame: r.index };
    this.line.reset();
    this.lines.write(this.line, m, ctx);
    this.sink.bytes(this.line.bytes());
  }

  /** After each chunk: the workers' finished output handed to the sink, at most a window left in flight. */
  async drain(): Promise<void> {
    if (this.pool) await this.handOver(this.pool, this.pool.window);
  }

  /**
   * Waits for the next chunk of input and, while it does, hands the workers' output to the sink as
   * it comes back (`flush` after each): a live feed (stdin, --follow) idles between frames, and its
   * frames were held until a window of batches had gone out.
   */
  async whileWaiting<T>(input: Promise<T>, flush: () => Promise<void>): Promise<T> {
    const pool = this.pool;
    if (!pool) return input;
    // A failed read ends the wait too; the caller's await of `input` sees the failure.
    const inputReady = input.then(
      () => false,
      () => false,
    );
    while (pool.outstanding > 0) {
      const outputFirst = await Promise.race([pool.oldestDone(), inputReady]);
      if (!outputFirst) break;
      await pool.settle(pool.outstanding - 1, (b) => this.sink.bytes(b));
      await flush();
    }
    return input;
  }

  /** Every frame read so far decoded and handed to the sink, then the tally if one was asked for. */
  async finish(): Promise<void> {
    if (this.pool) await this.handOver(this.pool, 0);
    if (this.tally) this.sink.line(this.opts.json ? JSON.stringify(this.tally.json()) : this.tally.text());
  }

  private async handOver(pool: DecodePool, inFlight: number): Promise<void> {
    pool.send();
    await pool.settle(inFlight, (b) => this.sink.bytes(b));
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}

/**
 * Two: with the main thread framing records and writing, two workers keep two cores busy, and
 * each worker costs about 25 MB of memory, so more would break the 150 MB a gigabyte decode is held
 * to (a bigger machine can ask for more with --threads).
 */
export function defaultThreads(): number {
  return Math.min(availableParallelism(), 2);
}

function threadCount(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError(`--threads must be a whole number from 1 to 64, got ${JSON.stringify(text)}`);
  return n;
}

async function* noInput(): AsyncGenerator<Uint8Array> {}

/**
 * for await, with each wait for the next chunk passed through `wait` (output goes on while input
 * idles). `take` returns false to stop. The source is closed as for await closes it; after a
 * failure without waiting, since a read still pending (a followed file) would never end.
 */
async function readChunks(source: AsyncIterable<Uint8Array>, wait: <T>(p: Promise<T>) => Promise<T>, take: (chunk: Uint8Array) => Promise<boolean>): Promise<void> {
  const chunks = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await wait(chunks.next());
      if (next.done) return;
      if (!(await take(next.value))) break;
    }
  } catch (e) {
    void chunks.return?.(undefined)?.catch(() => undefined);
    throw e;
  }
  await chunks.return?.(undefined);
}

/**
 * A bare CoAP message can start with 0x6X too (ACK with token length X), so only call it IPv6 when
 * the header's payload length matches the bytes given.
 */
function looksLikeIpv6(b: Uint8Array): boolean {
  return b.length >= 40 && b[0]! >> 4 === 6 && ((b[4]! << 8) | b[5]!) === b.length - 40;
}
