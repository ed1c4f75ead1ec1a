/**
 * Reading a whole file into memory with a ceiling. A path may name something that never ends
 * (`/dev/zero`, a FIFO fed by a capture tool) or a file far larger than anything csmp-hil reads
 * whole; readFileSync would grow without bound. A regular file is refused by its size before a
 * byte is read; anything else is read until the ceiling and refused past it.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ResourceError, resourceCodeOf } from './errors.js';

const CHUNK = 1 << 20;

export function readFileBounded(path: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new ResourceError(path, resourceCodeOf(e), `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new ResourceError(path, 'unavailable', 'cannot read: it is a folder (EISDIR)', { cause: Object.assign(new Error('EISDIR'), { code: 'EISDIR' }) });
    if (st.isFile() && st.size > maxBytes) throw tooLarge(path, maxBytes, `${st.size} bytes`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        throw new ResourceError(path, 'io', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
      }
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > maxBytes) throw tooLarge(path, maxBytes, st.isFile() ? `${total}+ bytes` : `a ${kindOf(st)} that goes on past that`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

function kindOf(st: { isCharacterDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  return st.isCharacterDevice() ? 'character device' : st.isFIFO() ? 'pipe' : st.isSocket() ? 'socket' : 'stream';
}

function tooLarge(path: string, max: number, what: string): ResourceError {
  return new ResourceError(path, 'limit', `larger than the ${formatBytes(max)} read at most (${what})`);
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30 && n % (1 << 30) === 0) return `${n / (1 << 30)} GiB`;
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n / (1 << 10)} KiB`;
  return `${n} bytes`;
}
