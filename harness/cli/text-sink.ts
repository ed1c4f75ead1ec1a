/**
 * Text output that waits when its reader is slow: a pager, a pipe into grep, a full disk. Lines are
 * encoded into a batch buffer as they come (or arrive encoded, from ByteWriter) and written in
 * one call per batch (one syscall per few hundred messages, not one per line); `flush` resolves
 * when the stream has taken them.
 */
export interface TextStream {
  write(chunk: Uint8Array): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

const BATCH_BYTES = 1 << 18;
const NEWLINE = 0x0a;

export class TextSink {
  private batch = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;
  /**
   * The stream's next 'drain', listened for from the write that filled it: a flush that comes later
   * (after an await elsewhere) may find the drain already past, and waiting for another then hangs
   * for good with nothing left to write.
   */
  private drained: Promise<void> | undefined;

  constructor(private readonly stream: TextStream) {}

  line(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
    const most = text.length * 3 + 1;
    if (this.used + most > this.batch.length) {
      this.writeOut();
      if (most > this.batch.length) this.batch = Buffer.allocUnsafe(most);
    }
    this.used += this.batch.write(text, this.used, 'utf8');
    this.batch[this.used++] = NEWLINE;
  }

  /** Text already encoded, newlines included; copied, so the caller may reuse `bytes` at once. */
  bytes(bytes: Uint8Array): void {
    let from = 0;
    while (from < bytes.length) {
      if (this.used === this.batch.length) this.writeOut();
      const n = Math.min(bytes.length - from, this.batch.length - this.used);
      this.batch.set(bytes.subarray(from, from + n), this.used);
      this.used += n;
      from += n;
    }
  }

  async flush(): Promise<void> {
    this.writeOut();
    await this.drained;
  }

  private writeOut(): void {
    if (this.used === 0) return;
    // The stream may keep the bytes until it has written them (a pipe): the next batch is a new buffer.
    const out = this.batch.subarray(0, this.used);
    this.batch = Buffer.allocUnsafe(BATCH_BYTES);
    this.used = 0;
    if (this.stream.write(out) || this.drained) return;
    this.drained = new Promise<void>((resolve) =>
      this.stream.once('drain', () => {
        this.drained = undefined;
        resolve();
      }),
    );
  }
}
