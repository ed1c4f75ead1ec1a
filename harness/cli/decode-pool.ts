/**
 * `hil decode` on every core: the main thread frames the capture's records (and so finds damage
 * exactly where the sequential decoder does), packs their IPv6 packets into batches and hands them
 * round-robin to worker threads, which decode and render them; the output is written in batch
 * order, so it is byte for byte what one thread prints. Decoding and rendering are nearly all of a
 * decode's time, and they need nothing from other frames unless a filter follows conversations
 * (--path, --device) or --count tallies them: those runs stay on one thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LineSettings } from './decode-lines.js';

/** What a worker is sent: `count` packets back to back in `packets`, each ending at `ends[i]`. */
export interface FrameBatch {
  packets: ArrayBuffer;
  length: number;
  count: number;
  ends: Uint32Array;
  frames: Float64Array;
  times: Float64Array;
  /** 1 where the frame has a time (a pcapng simple packet block has none). */
  hasTime: Uint8Array;
}

/** The output, and the batch's buffers handed back for the next batch. */
export interface BatchReply {
  out: ArrayBuffer;
  offset: number;
  length: number;
  batch: FrameBatch;
}

export type ToWorker = { kind: 'batch'; batch: FrameBatch } | { kind: 'recycle'; out: ArrayBuffer };

export function batchTransfer(b: FrameBatch): ArrayBuffer[] {
  return [b.packets, b.ends.buffer as ArrayBuffer, b.frames.buffer as ArrayBuffer, b.times.buffer as ArrayBuffer, b.hasTime.buffer as ArrayBuffer];
}

const BATCH_FRAMES = 4096;
const BATCH_BYTES = 1 << 18;

class Batch {
  packets: Uint8Array;
  length = 0;
  count = 0;
  readonly ends: Uint32Array;
  readonly frames: Float64Array;
  readonly times: Float64Array;
  readonly hasTime: Uint8Array;

  /** Empty, in new buffers or in those of a batch a worker handed back. */
  constructor(from?: FrameBatch) {
    this.packets = from ? new Uint8Array(from.packets) : new Uint8Array(BATCH_BYTES + 65536);
    this.ends = from?.ends ?? new Uint32Array(BATCH_FRAMES);
    this.frames = from?.frames ?? new Float64Array(BATCH_FRAMES);
    this.times = from?.times ?? new Float64Array(BATCH_FRAMES);
    this.hasTime = from?.hasTime ?? new Uint8Array(BATCH_FRAMES);
  }

  get full(): boolean {
    return this.count === BATCH_FRAMES || this.length >= BATCH_BYTES;
  }

  add(ipv6: Uint8Array, frame: number, time: number | undefined): void {
    if (this.length + ipv6.length > this.packets.length) {
      const bigger = new Uint8Array(this.length + ipv6.length + BATCH_BYTES);
      bigger.set(this.packets.subarray(0, this.length));
      this.packets = bigger;
    }
    this.packets.set(ipv6, this.length);
    this.length += ipv6.length;
    this.ends[this.count] = this.length;
    this.frames[this.count] = frame;
    this.times[this.count] = time ?? 0;
    this.hasTime[this.count] = time === undefined ? 0 : 1;
    this.count++;
  }

  message(): FrameBatch {
    return { packets: this.packets.buffer as ArrayBuffer, length: this.length, count: this.count, ends: this.ends, frames: this.frames, times: this.times, hasTime: this.hasTime };
  }
}

/** A batch's output and how to give its buffer back to the worker that wrote it. */
interface Output {
  bytes: Uint8Array;
  recycle: () => void;
}

interface Waiter {
  resolve: (out: Output) => void;
  reject: (e: Error) => void;
}

interface Thread {
  worker: Worker;
  /** Batches sent and not answered, oldest first: a worker answers in the order it is sent. */
  waiting: Waiter[];
}

export class DecodePool {
  private readonly threads: Thread[];
  private next = 0;
  private batch = new Batch();
  private readonly spareBatches: FrameBatch[] = [];
  /** Output of the batches sent, in the order they were sent. */
  private readonly pending: Promise<Output>[] = [];
  private closed = false;

  constructor(threads: number, settings: LineSettings) {
    this.threads = Array.from({ length: threads }, () => this.spawn(settings));
  }

  private spawn(settings: LineSettings): Thread {
    const worker = new Worker(workerFile(), { workerData: { settings }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    const t: Thread = { worker, waiting: [] };
    const failAll = (e: Error): void => {
      for (const w of t.waiting.splice(0)) w.reject(e);
    };
    worker.on('message', (r: BatchReply) => {
      this.spareBatches.push(r.batch);
      const recycle = (): void => {
        if (!this.closed) worker.postMessage({ kind: 'recycle', out: r.out } satisfies ToWorker, [r.out]);
      };
      t.waiting.shift()?.resolve({ bytes: new Uint8Array(r.out, r.offset, r.length), recycle });
    });
    worker.on('error', (e) => failAll(new Error(`hil decode: a decode worker failed: ${e.message}`, { cause: e })));
    worker.on('exit', (code) => {
      if (!this.closed) failAll(new Error(`hil decode: a decode worker stopped (exit code ${code})`));
    });
    return t;
  }

  /** Frames waiting for a batch, sent when it fills. */
  add(ipv6: Uint8Array, frame: number, time: number | undefined): void {
    this.batch.add(ipv6, frame, time);
    if (this.batch.full) this.send();
  }

  /** Sends what the current batch holds (after each chunk read, so a followed capture is not held back). */
  send(): void {
    if (this.batch.count === 0) return;
    const batch = this.batch.message();
    const spare = this.spareBatches.pop();
    this.batch = new Batch(spare);
    const t = this.threads[this.next]!;
    this.next = (this.next + 1) % this.threads.length;
    const out = new Promise<Output>((resolve, reject) => t.waiting.push({ resolve, reject }));
    // Awaited in order by settle(); until then a failure must not count as unhandled.
    out.catch(() => undefined);
    this.pending.push(out);
    t.worker.postMessage({ kind: 'batch', batch } satisfies ToWorker, batchTransfer(batch));
  }

  /**
   * Hands the output of the oldest batches to `write` until at most `inFlight` are outstanding.
   * `write` must be done with the bytes when it returns (it copies them): they go back to the worker.
   */
  async settle(inFlight: number, write: (bytes: Uint8Array) => void): Promise<void> {
    while (this.pending.length > inFlight) {
      const out = await this.pending.shift()!;
      write(out.bytes);
      out.recycle();
    }
  }

  /**
   * Resolves when the oldest batch sent has its output (true), or at once with false when none is
   * out: while the input is idle, output is written as it comes back, not when the next batch fills.
   */
  oldestDone(): Promise<boolean> {
    const oldest = this.pending[0];
    return oldest ? oldest.then(() => true) : Promise.resolve(false);
  }

  /** Batches sent whose output is not yet written. */
  get outstanding(): number {
    return this.pending.length;
  }

  /** Batches allowed in flight: two per thread keeps every worker busy while the oldest is written. */
  get window(): number {
    return this.threads.length * 2;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}

/**
 * The worker's compiled file. Run from the sources (the tests, through a TypeScript loader), the
 * .js beside this module does not exist; `npm test` builds first, so the built one is used.
 */
function workerFile(): URL {
  const beside = new URL('./decode-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL('../../dist/harness/cli/decode-worker.js', import.meta.url);
}
