/**
 * Locks on a run's report files, beside the lock on its reports folder (reports-lock.ts). A file
 * named with `--reporter junit=FILE` (or html, events, tap) can be outside the folder, or inside
 * another run's: two runs given the same file took turns rewriting it, and CI read whichever
 * wrote last as the verdict of both. Each file gets a lock beside it, `.<name>.hil.lock`, taken
 * before the run opens anything; a second run is refused naming the holder (pid, command, since).
 */
import { basename, dirname, join, resolve } from 'node:path';
import { systemReason } from '../../core/atomic-write.js';
import { ResourceError } from '../../core/errors.js';
import { makeDirs } from '../../core/make-dirs.js';
import { takeLock, type FolderLock } from './reports-lock.js';

/** The lock file that guards `file`. */
export function outputLockPath(file: string): string {
  return join(dirname(file), `.${basename(file)}.hil.lock`);
}

export interface OutputLocks {
  /** Releases every lock still this process's; safe to call twice. */
  release(): void;
}

/**
 * Takes the lock of every file in `files` (duplicates once), or none: on a refusal the locks
 * already taken are released and the ResourceError names the file and its holder.
 */
export function lockOutputs(files: readonly string[], command: string): OutputLocks {
  const taken: FolderLock[] = [];
  const release = (): void => {
    for (const l of taken.splice(0).reverse()) l.release();
  };
  try {
    for (const file of [...new Set(files.map((f) => resolve(f)))].sort()) {
      try {
        makeDirs(dirname(file));
      } catch (e) {
        throw new ResourceError(file, 'unavailable', `cannot create its folder: ${systemReason(e)}`, { cause: e });
      }
      taken.push(takeLock(outputLockPath(file), { subject: file, where: 'with this file', instead: 'name another file' }, command));
    }
  } catch (e) {
    release();
    throw e;
  }
  return { release };
}
