/**
 * A capture file as a stream of chunks: read as far as it goes, or — following a capture that is
 * still being written (`dumpcap -w live.pcapng` in another window) — on until the caller aborts.
 * Each chunk is a fresh buffer, so records handed on from one stay valid while the next is read.
 *
 * Following is `tail -F`'s: a file renamed away and created anew at the path (a rotating writer)
 * is read to its end and then the new one from its start; a file truncated in place is read again
 * from its start. Either way `onRestart` is told first, because the bytes that follow begin a new
 * capture with its own header.
 */
import { open, stat } from 'node:fs/promises';
import { watch } from 'node:fs';
import { ResourceError, resourceCodeOf } from '../../core/errors.js';

export type RestartReason = 'rotated' | 'truncated';

export interface FileChunkOptions {
  /** At the end of the file, wait for it to grow instead of ending. */
  follow?: boolean;
  /** Ends the stream (following or not) at the next chunk boundary. */
  signal?: AbortSignal;
  chunkBytes?: number;
  /** How often a followed file is checked when the file system sends no change events (NFS, some containers). */
  pollMs?: number;
  /** A followed file was replaced or truncated: the next chunk is the start of a new file. */
  onRestart?: (why: RestartReason) => void;
}

type Handle = Awaited<ReturnType<typeof open>>;

export async function* fileChunks(path: string, opts: FileChunkOptions = {}): AsyncGenerator<Uint8Array> {
  const size = opts.chunkBytes ?? 1 << 20;
  let fh = await openFile(path);
  try {
    const first = await fh.stat();
    if (first.isDirectory()) throw new ResourceError(path, 'unavailable', 'cannot read: it is a folder (EISDIR)');
    let identity = { dev: first.dev, ino: first.ino };
    let position = 0;
    for (;;) {
      if (opts.signal?.aborted) return;
      const buf = Buffer.allocUnsafe(size);
      let n: number;
      try {
        // At an explicit position: after a truncation the descriptor's own offset is past the end.
        ({ bytesRead: n } = await fh.read(buf, 0, size, position));
      } catch (e) {
        throw new ResourceError(path, 'io', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
      }
      if (n > 0) {
        position += n;
        yield n === size ? buf : buf.subarray(0, n);
        continue;
      }
      if (!opts.follow) return;
      const change = await changed(path, position, identity, opts.signal, opts.pollMs ?? 500);
      if (change === 'truncated') {
        position = 0;
        opts.onRestart?.('truncated');
      } else if (change === 'rotated') {
        // The old file's last bytes were read above (this is its end); a reopen that fails (the
        // new file gone again) waits for the next change.
        let next: Handle;
        try {
          next = await openFile(path);
        } catch {
          continue;
        }
        const s = await next.stat();
        await fh.close();
        fh = next;
        identity = { dev: s.dev, ino: s.ino };
        position = 0;
        opts.onRestart?.('rotated');
      }
    }
  } finally {
    await fh.close();
  }
}

async function openFile(path: string): Promise<Handle> {
  try {
    return await open(path, 'r');
  } catch (e) {
    throw new ResourceError(path, resourceCodeOf(e), `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/**
 * Resolves when the file at `path` is longer than `position` ('grown'), shorter ('truncated'),
 * another file ('rotated'), or on abort ('aborted'). A path with no file yet waits.
 */
function changed(path: string, position: number, identity: { dev: number; ino: number }, signal: AbortSignal | undefined, pollMs: number): Promise<'grown' | RestartReason | 'aborted'> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (how: 'grown' | RestartReason | 'aborted') => {
      if (done) return;
      done = true;
      watcher?.close();
      clearInterval(poll);
      signal?.removeEventListener('abort', onAbort);
      resolve(how);
    };
    const onAbort = () => finish('aborted');
    const check = () => {
      stat(path).then(
        (s) => {
          if (s.ino !== identity.ino || s.dev !== identity.dev) finish('rotated');
          else if (s.size < position) finish('truncated');
          else if (s.size > position) finish('grown');
        },
        () => undefined,
      );
    };
    let watcher: ReturnType<typeof watch> | undefined;
    try {
      // Renames and re-creations are seen by the poll: a watch on the path follows the old inode.
      watcher = watch(path, check);
      watcher.on('error', () => undefined);
    } catch {
      watcher = undefined;
    }
    const poll = setInterval(check, pollMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    // The file may have changed between the last read and the watch starting.
    check();
  });
}
