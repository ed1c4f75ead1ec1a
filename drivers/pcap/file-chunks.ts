/**
 * A capture file as a stream of chunks: read as far as it goes, or — following a capture that is
 * still being written (`dumpcap -w live.pcapng` in another window) — on until the caller aborts.
 * Each chunk is a fresh buffer, so records handed on from one stay valid while the next is read.
 */
import { open, stat } from 'node:fs/promises';
import { watch } from 'node:fs';
import { ResourceError, resourceCodeOf } from '../../core/errors.js';

export interface FileChunkOptions {
  /** At the end of the file, wait for it to grow instead of ending. */
  follow?: boolean;
  /** Ends the stream (following or not) at the next chunk boundary. */
  signal?: AbortSignal;
  chunkBytes?: number;
  /** How often a followed file is checked when the file system sends no change events (NFS, some containers). */
  pollMs?: number;
}

export async function* fileChunks(path: string, opts: FileChunkOptions = {}): AsyncGenerator<Uint8Array> {
  const size = opts.chunkBytes ?? 1 << 20;
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new ResourceError(path, resourceCodeOf(e), `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  try {
    if ((await fh.stat()).isDirectory()) throw new ResourceError(path, 'unavailable', 'cannot read: it is a folder (EISDIR)');
    let position = 0;
    for (;;) {
      if (opts.signal?.aborted) return;
      const buf = Buffer.allocUnsafe(size);
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(buf, 0, size, null));
      } catch (e) {
        throw new ResourceError(path, 'io', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
      }
      if (n > 0) {
        position += n;
        yield n === size ? buf : buf.subarray(0, n);
        continue;
      }
      if (!opts.follow) return;
      await grown(path, position, opts.signal, opts.pollMs ?? 500);
    }
  } finally {
    await fh.close();
  }
}

/** Resolves when `path` is longer than `position`, or on abort. */
function grown(path: string, position: number, signal: AbortSignal | undefined, pollMs: number): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      watcher?.close();
      clearInterval(poll);
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    const check = () => {
      // A file removed while followed has no more to give; the open handle keeps what it had.
      stat(path).then((s) => s.size > position && finish(), () => undefined);
    };
    let watcher: ReturnType<typeof watch> | undefined;
    try {
      watcher = watch(path, check);
      watcher.on('error', () => undefined);
    } catch {
      watcher = undefined;
    }
    const poll = setInterval(check, pollMs);
    signal?.addEventListener('abort', finish, { once: true });
    // The file may have grown between the last read and the watch starting.
    check();
  });
}
