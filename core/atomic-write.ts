/**
 * Reports, captures and the virtual boards' flash files are replaced whole, so a reader (or a run
 * killed mid-write) sees the old file or the new one, never half of one.
 *
 * Verified, because a full or read-only disk must never leave a cut-off report: every write is
 * checked to complete (a short write is continued until the kernel refuses with ENOSPC), the
 * temporary file is synced, then renamed over the old one, and the folder is synced so the rename
 * survives a crash. Any failure removes the temporary file, keeps the previous file, and throws a
 * ResourceError naming the file and the system's reason. write-file-atomic (used before) renamed a
 * partial temporary file over a good one after an unchecked short write.
 *
 * Synchronous on purpose: the JUnit file is rewritten from signal handlers, and the simulated
 * agent reads flash synchronously.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ResourceError } from './errors.js';
import { makeDirs } from './make-dirs.js';
import { RENAME_IMPOSSIBLE, replaceInPlace } from './replace-in-place.js';

let sequence = 0;

export interface AtomicWriteOptions {
  /** Sync the file and its folder (default true). The virtual boards' flash skips it: a simulated board needs no durability across a host crash. */
  fsync?: boolean;
  /**
   * When the file cannot be replaced by rename (a bind mount, a folder that forbids the temporary
   * file) but exists and is writable, rewrite it in place (core/replace-in-place.ts). For reports
   * a CI mounts; not atomic for a concurrent reader, so off by default.
   */
  inPlaceFallback?: boolean;
}

export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const sync = options.fsync ?? true;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${++sequence}.tmp`);
  let fd: number | undefined;
  let renamed = false;
  try {
    makeDirs(dir);
    fd = openSync(tmp, 'wx');
    writeAll(fd, bytes);
    if (sync) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
    renamed = true;
    if (sync) syncFolder(dir);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // The write error is the one to report.
      }
    }
    if (!renamed) {
      try {
        unlinkSync(tmp);
      } catch {
        // Never created, or the folder is read-only: nothing more to undo.
      }
    }
    if (!renamed && options.inPlaceFallback && RENAME_IMPOSSIBLE.has((e as NodeJS.ErrnoException).code ?? '') && existsSync(path)) {
      replaceInPlace(path, bytes, systemReason, sync);
      return;
    }
    throw new ResourceError(path, 'io', `cannot write: ${systemReason(e)}${renamed ? '' : '; the previous file is kept'}`, { cause: e });
  }
}

/** writeSync may write less than asked (a disk filling up); the next call then fails with the reason. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) {
    const n = writeSync(fd, bytes, at, bytes.length - at);
    if (n <= 0) throw Object.assign(new Error(`write returned ${n} at byte ${at} of ${bytes.length}`), { code: 'EIO' });
    at += n;
  }
}

function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } catch (e) {
    // Some file systems cannot sync a folder; the rename is still done.
    if (!['EINVAL', 'ENOTSUP', 'EISDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    closeSync(fd);
  }
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EIO: 'input/output error',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'the folder does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  EBUSY: 'the file is busy (a mount point)',
  EXDEV: 'the file is on another file system (a mount)',
};

/** "no space left on the device (ENOSPC)": the errno for scripts, words for people. */
export function systemReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code && REASONS[code]) return `${REASONS[code]} (${code})`;
  return code ?? (e instanceof Error ? e.message : String(e));
}
