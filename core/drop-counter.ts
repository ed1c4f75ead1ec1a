/**
 * Counts what a layer threw away, by reason, so that nothing is dropped silently: frames (or
 * writes, or datagrams) and, where the layer knows them, the bytes they held. Line noise shows as
 * a few "frames" of megabytes each, so a failure needs both numbers to be read right.
 */
export class DropCounter {
  private readonly counts = new Map<string, number>();
  private readonly byteCounts = new Map<string, number>();

  /** `n` more drops for `reason`, holding `bytes` bytes between them (0 when unknown). */
  count(reason: string, n = 1, bytes = 0): void {
    if (n !== 0) this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
    if (bytes > 0) this.byteCounts.set(reason, (this.byteCounts.get(reason) ?? 0) + bytes);
  }

  get total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }

  /** Bytes thrown away, over every reason that counts them. */
  get totalBytes(): number {
    let t = 0;
    for (const n of this.byteCounts.values()) t += n;
    return t;
  }

  get(reason: string): number {
    return this.counts.get(reason) ?? 0;
  }

  bytes(reason: string): number {
    return this.byteCounts.get(reason) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  bytesSnapshot(): Record<string, number> {
    return Object.fromEntries(this.byteCounts);
  }
}
