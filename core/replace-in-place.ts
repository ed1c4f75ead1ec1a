/**
 * The fallback of writeFileAtomic when a file cannot be replaced by rename: the file is a bind
 * mount (rename over a mount point: EBUSY; from another file system: EXDEV), or its folder does
 * not let us create the temporary file (EACCES, EPERM, EROFS) while the file itself is writable. CI
 * runners mount a report path into a container this way, and failing there lost the JUnit.
 *
 * The file is rewritten through its own descriptor, never truncated first: the new bytes go over
 * the old ones, then the length is cut. If a write fails (the disk fills while the file grows), the
 * previous bytes are written back (they fit: their blocks are still the file's) and the previous
 * length restored, so a reader sees the old file, never a mix. If even that fails the file is
 * emptied: an empty report is plainly broken, a cut-off one can parse as a shorter report.
 * Synchronous like writeFileAtomic, so a signal handler cannot run in the middle of it.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { ResourceError } from './errors.js';

/**
 * Errors of the temporary-file-and-rename route that replacing in place can get around. EROFS: a
 * read-only folder with the file mounted writable over it; when the file is read-only too, the
 * in-place open says so.
 */
export const RENAME_IMPOSSIBLE: ReadonlySet<string> = new Set(['EBUSY', 'EXDEV', 'EACCES', 'EPERM', 'EROFS']);

export function replaceInPlace(path: string, bytes: Uint8Array, reason: (e: unknown) => string, sync = true): void {
  let fd: number;
  try {
    // Not 'w': that truncates before a byte is written.
    fd = openSync(path, 'r+');
  } catch (e) {
    throw new ResourceError(path, 'io', `cannot write in place: ${reason(e)}; the previous file is kept`, { cause: e });
  }
  try {
    const previous = readAll(fd);
    try {
      writeAllAt(fd, bytes);
      ftruncateSync(fd, bytes.length);
      if (sync) fsyncSync(fd);
    } catch (e) {
      throw new ResourceError(path, 'io', `cannot write in place: ${reason(e)}; ${restore(fd, previous)}`, { cause: e });
    }
  } finally {
    closeSync(fd);
  }
}

function restore(fd: number, previous: Buffer): string {
  try {
    writeAllAt(fd, previous);
    ftruncateSync(fd, previous.length);
    return 'the previous file is kept';
  } catch {
    try {
      ftruncateSync(fd, 0);
      return 'the previous file could not be put back, and the file was emptied rather than left cut off';
    } catch {
      return 'the file may be damaged: neither the new nor the previous content could be written';
    }
  }
}

function readAll(fd: number): Buffer {
  const size = fstatSync(fd).size;
  const out = Buffer.alloc(size);
  let at = 0;
  while (at < size) {
    const n = readSync(fd, out, at, size - at, at);
    if (n === 0) break;
    at += n;
  }
  return out.subarray(0, at);
}

/** From offset 0; a short write is continued until the kernel refuses with the reason. */
function writeAllAt(fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) {
    const n = writeSync(fd, bytes, at, bytes.length - at, at);
    if (n <= 0) throw Object.assign(new Error(`write returned ${n} at byte ${at} of ${bytes.length}`), { code: 'EIO' });
    at += n;
  }
}
