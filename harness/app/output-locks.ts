/**
 * Locks on a run's report files outside its own reports folder (the folder's lock, reports-lock.ts,
 * covers those inside). A file named with `--reporter junit=FILE` (or html, events, tap) can be
 * anywhere: two runs given the same file took turns rewriting it, and CI read whichever wrote last
 * as the verdict of both. Each such file gets a lock beside it, `.<name>.hil.lock`, taken before
 * the run opens anything; a second run is refused naming the holder (pid, command, since). A file
 * inside another running run's reports folder is refused naming that run: its own reports there
 * carry no lock of their own.
 */
import { basename, dirname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import { systemReason } from '../../core/atomic-write.js';
import { ResourceError } from '../../core/errors.js';
import { makeDirs } from '../../core/make-dirs.js';
import { otherLiveHolder, takeLock, type FolderLock } from './reports-lock.js';

/** The lock file that guards `file`. */
export function outputLockPath(file: string): string {
  return join(dirname(file), `.${basename(file)}.hil.lock`);
}

export interface OutputLocks {
  /** Files that could not be locked because no lock file can be created beside them, and why. */
  readonly unlocked: readonly string[];
  /** Releases every lock still this process's; safe to call twice. */
  release(): void;
}

/**
 * Takes the lock of every file in `files` (duplicates once), or none: on a refusal the locks
 * already taken are released and the ResourceError names the file and its holder. A file whose
 * folder cannot hold a lock file is left unlocked and named in `unlocked`.
 */
export function lockOutputs(files: readonly string[], reportsDir: string, command: string): OutputLocks {
  const taken: FolderLock[] = [];
  const unlocked: string[] = [];
  const release = (): void => {
    for (const l of taken.splice(0).reverse()) l.release();
  };
  try {
    for (const file of [...new Set(files.map((f) => resolve(f)))].filter((f) => !inside(f, reportsDir)).sort()) {
      refuseInsideAnotherRun(file);
      try {
        makeDirs(dirname(file));
      } catch (e) {
        throw new ResourceError(file, 'unavailable', `cannot create its folder: ${systemReason(e)}`, { cause: e });
      }
      try {
        taken.push(takeLock(outputLockPath(file), { subject: file, where: 'with this file', instead: 'name another file' }, command));
      } catch (e) {
        // A folder that forbids new files (a CI mount) cannot hold a lock either; the file itself
        // may still be writable (JUnit is then rewritten in place), so the run goes on, warned.
        if (!(e instanceof ResourceError) || e.code !== 'unavailable') throw e;
        unlocked.push(`${file}: not locked (${e.reason}): another run naming it would not be refused`);
      }
    }
  } catch (e) {
    release();
    throw e;
  }
  return { unlocked, release };
}

function inside(file: string, dir: string): boolean {
  const rel = relative(resolve(dir), file);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** A file in (a folder below) the reports folder of a run still going: that run writes there. */
function refuseInsideAnotherRun(file: string): void {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const held = otherLiveHolder(dir);
    if (held) {
      const o = held.owner;
      throw new ResourceError(
        file,
        'busy',
        `inside the reports folder ${dir} of another run: pid ${o.pid} on ${o.host} (${o.user}: ${o.command}, since ${o.since}); wait for it to end or name another file (lock ${held.path})`,
      );
    }
    if (dirname(dir) === dir) return;
  }
}
