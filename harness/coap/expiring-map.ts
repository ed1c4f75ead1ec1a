/**
 * A Map whose entries live for a fixed time, bounded in size. Used for the duplicate cache and
 * for remembering finished client exchanges (to tell a late response from a stray one).
 *
 * No timer per entry: at load-test rates that would be hundreds of thousands of timers. All
 * entries share one lifetime, so they expire in insertion order and a FIFO of keys finds the
 * expired ones in amortised O(1). The FIFO is a separate array because deleting from the head of
 * a JS Map leaves tombstones that every later iteration rescans: with 65 536 entries that made
 * a full cache 6x slower than this.
 */
interface Entry<V> {
  value: V;
  expiresAt: number;
  seq: number;
}

export class ExpiringMap<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /** Insertion order; an item is stale when its key was deleted or set again since (seq differs). */
  private fifo: { key: string; seq: number }[] = [];
  private head = 0;
  private seq = 0;

  constructor(
    private readonly lifetimeMs: number,
    private readonly maxEntries: number,
    /** Called for live entries pushed out by the size bound, so the caller can count them. */
    private readonly onEvict: (key: string, value: V) => void = () => {},
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Inserts or replaces; a replaced entry gets a fresh lifetime. */
  set(key: string, value: V, now: number): void {
    this.sweep(now);
    const seq = ++this.seq;
    this.entries.set(key, { value, expiresAt: now + this.lifetimeMs, seq });
    this.fifo.push({ key, seq });
    this.compact();
    if (this.entries.size > this.maxEntries) {
      const oldest = this.shiftLive();
      if (oldest !== undefined) {
        this.entries.delete(oldest[0]);
        this.onEvict(oldest[0], oldest[1].value);
      }
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.fifo = [];
    this.head = 0;
  }

  private sweep(now: number): void {
    for (;;) {
      const item = this.fifo[this.head];
      if (item === undefined) break;
      const e = this.entries.get(item.key);
      if (e !== undefined && e.seq === item.seq) {
        // A clock stepped backwards only delays the sweep; get() still checks every entry.
        if (e.expiresAt > now) break;
        this.entries.delete(item.key);
      }
      this.head++;
    }
    this.compact();
  }

  /** Removes and returns the oldest live entry from the FIFO (the caller deletes it from the map). */
  private shiftLive(): [string, Entry<V>] | undefined {
    for (;;) {
      const item = this.fifo[this.head];
      if (item === undefined) return undefined;
      this.head++;
      const e = this.entries.get(item.key);
      if (e !== undefined && e.seq === item.seq) return [item.key, e];
    }
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.fifo.length) {
      this.fifo = this.fifo.slice(this.head);
      this.head = 0;
    }
    // Keys set again and again leave stale items behind the head; keep the FIFO near the map's size.
    if (this.fifo.length - this.head > 2 * this.maxEntries + 1024) {
      this.fifo = this.fifo.slice(this.head).filter((i) => this.entries.get(i.key)?.seq === i.seq);
      this.head = 0;
    }
  }

  /** FIFO items held, live or stale (tests check it stays bounded). */
  get backlog(): number {
    return this.fifo.length - this.head;
  }
}
