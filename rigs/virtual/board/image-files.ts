/**
 * Firmware image bytes in a board's flash folder, one file per slot (`image-<slot>.bin`), written
 * in place block by block like flash pages: a block written before a power cut is there after
 * it, which is what a resumed transfer relies on. Whole-file atomic writes would rewrite the
 * image for every block (a 512 KiB slot takes 512 of them).
 *
 * A slot whose file the disk refuses (full, read-only) lives on in memory, like the flash files
 * (flash.ts): the simulated meter keeps behaving while the host's disk does not.
 */
import { closeSync, copyFileSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageStore } from '../meter/platform.js';

const NAME = /^image-(\d+)\.bin$/;

export class ImageFiles implements ImageStore {
  /** Slots the disk refused: their bytes from then on (undefined: erased). */
  private readonly inMemory = new Map<number, Uint8Array | undefined>();

  constructor(
    private readonly dir: string,
    private readonly onWriteFailure?: (file: string, error: unknown) => void,
  ) {}

  path(index: number): string {
    return join(this.dir, `image-${index}.bin`);
  }

  write(index: number, offset: number, data: Uint8Array): void {
    if (!this.inMemory.has(index)) {
      try {
        this.writeFile(index, offset, data);
        return;
      } catch (e) {
        this.inMemory.set(index, this.readFile(index));
        this.onWriteFailure?.(this.path(index), e);
      }
    }
    const old = this.inMemory.get(index) ?? new Uint8Array(0);
    const next = new Uint8Array(Math.max(old.length, offset + data.length));
    next.set(old, 0);
    next.set(data, offset);
    this.inMemory.set(index, next);
  }

  read(index: number): Uint8Array | undefined {
    if (this.inMemory.has(index)) return this.inMemory.get(index)?.slice();
    return this.readFile(index);
  }

  erase(index: number): void {
    if (this.inMemory.has(index)) {
      this.inMemory.set(index, undefined);
      return;
    }
    try {
      rmSync(this.path(index), { force: true });
    } catch (e) {
      this.inMemory.set(index, undefined);
      this.onWriteFailure?.(this.path(index), e);
    }
  }

  copy(from: number, to: number): void {
    if (from === to) return;
    if (this.inMemory.has(from) || this.inMemory.has(to)) {
      this.inMemory.set(to, this.read(from));
      return;
    }
    try {
      copyFileSync(this.path(from), this.path(to));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return this.erase(to);
      this.inMemory.set(to, this.readFile(from));
      this.onWriteFailure?.(this.path(to), e);
    }
  }

  private writeFile(index: number, offset: number, data: Uint8Array): void {
    let fd: number;
    try {
      fd = openSync(this.path(index), 'r+');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      fd = openSync(this.path(index), 'w');
    }
    try {
      let at = 0;
      while (at < data.length) {
        const n = writeSync(fd, data, at, data.length - at, offset + at);
        if (n <= 0) throw Object.assign(new Error(`short write at byte ${at}`), { code: 'EIO' });
        at += n;
      }
    } finally {
      closeSync(fd);
    }
  }

  private readFile(index: number): Uint8Array | undefined {
    try {
      return new Uint8Array(readFileSync(this.path(index)));
    } catch {
      return undefined;
    }
  }

  /** Erases every slot's image (a factory format). */
  eraseAll(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    this.inMemory.clear();
    for (const n of names) {
      const m = NAME.exec(n);
      if (!m) continue;
      try {
        rmSync(join(this.dir, n), { force: true });
      } catch (e) {
        this.inMemory.set(Number(m[1]), undefined);
        this.onWriteFailure?.(join(this.dir, n), e);
      }
    }
  }
}
