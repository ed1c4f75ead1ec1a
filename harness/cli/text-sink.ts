/**
 * Text output that waits when its reader is slow: a pager, a pipe into grep, a full disk. Lines are
 * gathered and written in one call per batch (one syscall per few hundred messages, not one per
 * line); `flush` resolves when the stream has taken them.
 */
export interface TextStream {
  write(text: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

const BATCH_CHARS = 1 << 16;

export class TextSink {
  private lines: string[] = [];
  private chars = 0;
  private full = false;

  constructor(private readonly stream: TextStream) {}

  line(text: string): void {
    this.lines.push(text);
    this.chars += text.length;
    if (this.chars >= BATCH_CHARS) this.writeOut();
  }

  async flush(): Promise<void> {
    this.writeOut();
    if (!this.full) return;
    this.full = false;
    await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }

  private writeOut(): void {
    if (this.lines.length === 0) return;
    this.lines.push('');
    if (!this.stream.write(this.lines.join('\n'))) this.full = true;
    this.lines = [];
    this.chars = 0;
  }
}
