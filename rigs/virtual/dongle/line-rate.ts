/**
 * A serial line of a given baud rate in one direction: frames leave in order, each after the
 * time its bytes take on the wire (10 bit times per byte: start, 8 data, stop). A pty does not
 * throttle, so without this a virtual dongle would be infinitely fast.
 */
export class LineRate {
  private freeAt = 0;
  private readonly pending = new Set<ReturnType<typeof setTimeout>>();
  private closed = false;

  constructor(
    private readonly baudRate: number,
    private readonly deliver: (bytes: Uint8Array) => void,
  ) {
    if (!(baudRate > 0)) throw new TypeError(`"baudRate" must be positive, got ${baudRate}`);
  }

  /** Milliseconds `n` bytes occupy the line. */
  durationMs(n: number): number {
    return (n * 10 * 1000) / this.baudRate;
  }

  send(bytes: Uint8Array): void {
    if (this.closed) return;
    const now = performance.now();
    const done = Math.max(now, this.freeAt) + this.durationMs(bytes.length);
    this.freeAt = done;
    const t = setTimeout(() => {
      this.pending.delete(t);
      if (!this.closed) this.deliver(bytes);
    }, Math.max(0, done - now));
    this.pending.add(t);
  }

  close(): void {
    this.closed = true;
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }
}
