import { Writable } from 'node:stream';

/** A writable that keeps what it was given, with optional TTY looks. */
export class Collector extends Writable {
  text = '';
  isTTY?: boolean;
  columns?: number;
  constructor(opts: { tty?: boolean; columns?: number } = {}) {
    super();
    if (opts.tty) this.isTTY = true;
    if (opts.columns) this.columns = opts.columns;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}
