/**
 * Firmware image bytes in a board's flash folder, one file per slot (`image-<slot>.bin`), written
 * in place block by block like flash pages: a block written before a power cut is there after
 * it, which is what a resumed transfer relies on. Whole-file atomic writes would rewrite the
 * image for every block (a 512 KiB slot takes 512 of them).
 */
import { closeSync, copyFileSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageStore } from '../meter/platform.js';

const NAME = /^image-(\d+)\.bin$/;

export class ImageFiles implements ImageStore {
  constructor(private readonly dir: string) {}

  path(index: number): string {
    return join(this.dir, `image-${index}.bin`);
  }

  write(index: number, offset: number, data: Uint8Array): void {
    let fd: number;
    try {
      fd = openSync(this.path(index), 'r+');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      fd = openSync(this.path(index), 'w');
    }
    try {
      writeSync(fd, data, 0, data.length, offset);
    } finally {
      closeSync(fd);
    }
  }

  read(index: number): Uint8Array | undefined {
    try {
      return new Uint8Array(readFileSync(this.path(index)));
    } catch {
      return undefined;
    }
  }

  erase(index: number): void {
    rmSync(this.path(index), { force: true });
  }

  copy(from: number, to: number): void {
    if (from === to) return;
    try {
      copyFileSync(this.path(from), this.path(to));
    } catch {
      this.erase(to);
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
    for (const n of names) if (NAME.test(n)) rmSync(join(this.dir, n), { force: true });
  }
}
