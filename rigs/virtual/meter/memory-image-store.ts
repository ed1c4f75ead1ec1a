/** Image bytes held in memory: for fleet meters and unit tests (boards keep theirs in flash files). */
import type { ImageStore } from './platform.js';

export class MemoryImageStore implements ImageStore {
  private readonly slots = new Map<number, Uint8Array>();

  write(index: number, offset: number, data: Uint8Array): void {
    const old = this.slots.get(index) ?? new Uint8Array(0);
    const end = Math.max(old.length, offset + data.length);
    const next = end === old.length ? old : new Uint8Array(end);
    if (next !== old) next.set(old, 0);
    next.set(data, offset);
    this.slots.set(index, next);
  }

  read(index: number): Uint8Array | undefined {
    return this.slots.get(index)?.slice();
  }

  erase(index: number): void {
    this.slots.delete(index);
  }

  copy(from: number, to: number): void {
    const bytes = this.slots.get(from);
    if (bytes) this.slots.set(to, bytes.slice());
    else this.slots.delete(to);
  }
}
