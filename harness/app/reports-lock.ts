/**
 * The lock a run takes on its reports folder (which also holds the virtual rig's ptys, power
 * sockets and flash) before it creates or touches anything there. A second run pointed at the
 * same folder is refused with the holder's identity and changes nothing: before this lock, the
 * second run's virtual rig replaced the first run's dongle and console links and deleted its
 * power sockets before the device locks refused it.
 *
 * The primitive is a lock file created with O_EXCL (atomic on local file systems, and on NFS v3+)
 * holding its owner: pid, the process's start time (so a reused pid is not mistaken for the
 * holder), host, user, command and since when. A lock whose holder is gone on this host is stale
 * and taken over, with a note; a lock from another host is never assumed dead. Takeover runs under
 * a second O_EXCL file, so two runs finding the same stale lock cannot both win.
 */
import { closeSync, fsyncSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { systemReason } from '../../core/atomic-write.js';
import { ResourceError } from '../../core/errors.js';
import { makeDirs } from '../../core/make-dirs.js';
import { startTimeOf } from '../../drivers/lease/owner.js';

export const LOCK_FILE = '.hil.lock';
/** A takeover file older than this was left by a process killed mid-takeover (which takes microseconds). */
const TAKEOVER_STALE_MS = 10_000;

export interface LockOwner {
  pid: number;
  /** The process's start time in clock ticks since boot (Linux), to tell a reused pid apart. */
  startTicks?: number;
  host: string;
  user: string;
  command: string;
  since: string;
}

export interface FolderLock {
  readonly path: string;
  /** Set when a stale lock was taken over: whose it was. */
  readonly tookOverFrom?: LockOwner;
  /** Removes the lock if it is still this process's; safe to call twice. */
  release(): void;
}

/** The lock of `dir` for this process; creates `dir` if needed, and nothing else. */
export function lockFolder(dir: string, command: string): FolderLock {
  try {
    makeDirs(dir);
  } catch (e) {
    throw new ResourceError(dir, 'unavailable', `cannot create the folder: ${systemReason(e)}`, { cause: e });
  }
  return takeLock(join(dir, LOCK_FILE), { subject: dir, where: 'in this folder', instead: 'use another folder' }, command);
}

/** How a lock's refusals name what it guards: the folder or file, "in this folder", "use another folder". */
export interface LockSubject {
  subject: string;
  where: string;
  instead: string;
}

/** The lock file `path` for this process (its folder must exist): O_EXCL, a stale one taken over. */
export function takeLock(path: string, s: LockSubject, command: string): FolderLock {
  const mine = ownerOfThisProcess(command);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (create(path, mine)) return held(path, mine);
    const holder = readOwner(path);
    if (holder === undefined) continue; // removed between our attempt and the read: try again
    if (holder !== 'unreadable' && isAlive(holder)) throw busy(s, path, holder);
    // An empty lock may be one being written this instant (between its creation and its owner).
    if (holder === 'unreadable' && youngerThan(path, 2000)) throw new ResourceError(s.subject, 'busy', `another run is starting ${s.where} (lock ${path})`);
    const stale = takeOver(path, holder === 'unreadable' ? undefined : holder, mine);
    if (stale !== false) return held(path, mine, stale);
  }
  throw new ResourceError(s.subject, 'busy', `the lock ${path} keeps changing hands; another run is starting ${s.where}`);
}

function held(path: string, mine: LockOwner, tookOverFrom?: LockOwner): FolderLock {
  let released = false;
  return {
    path,
    ...(tookOverFrom ? { tookOverFrom } : {}),
    release() {
      if (released) return;
      released = true;
      const now = readOwner(path);
      if (now !== undefined && now !== 'unreadable' && sameOwner(now, mine)) {
        try {
          unlinkSync(path);
        } catch {
          // Gone already, or the folder went read-only: nothing more to do.
        }
      }
    },
  };
}

/** O_EXCL create with the owner inside; false when a lock is already there. */
function create(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new ResourceError(path, 'unavailable', `cannot create the lock: ${systemReason(e)}`, { cause: e });
  }
  try {
    const text = `${JSON.stringify(owner)}\n`;
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(path);
    throw new ResourceError(path, 'unavailable', `cannot write the lock: ${systemReason(e)}`, { cause: e });
  }
  closeSync(fd);
  return true;
}

/**
 * Replaces a stale lock with ours under the takeover file. Returns the stale owner (or undefined
 * when it was unreadable), or false when someone else is taking over or the lock came alive.
 */
function takeOver(path: string, stale: LockOwner | undefined, mine: LockOwner): LockOwner | undefined | false {
  const guard = `${path}.takeover`;
  if (!create(guard, mine)) {
    try {
      if (Date.now() - statSync(guard).mtimeMs > TAKEOVER_STALE_MS) unlinkSync(guard);
    } catch {
      // Someone else finished with it.
    }
    return false;
  }
  try {
    const now = readOwner(path);
    // Still the stale lock we judged (or still unreadable)? Then it is ours to replace.
    const same = now === 'unreadable' ? stale === undefined : now !== undefined && stale !== undefined && sameOwner(now, stale);
    if (now !== undefined && !same) return false;
    if (now !== undefined) unlinkSync(path);
    return create(path, mine) ? stale : false;
  } finally {
    try {
      unlinkSync(guard);
    } catch {
      // Already gone.
    }
  }
}

/** The live holder of `dir`'s reports-folder lock, other than this process, if any. */
export function otherLiveHolder(dir: string): { owner: LockOwner; path: string } | undefined {
  const path = join(dir, LOCK_FILE);
  const owner = readOwner(path);
  if (owner === undefined || owner === 'unreadable' || owner.pid === process.pid || !isAlive(owner)) return undefined;
  return { owner, path };
}

function readOwner(path: string): LockOwner | 'unreadable' | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return 'unreadable';
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? o : 'unreadable';
  } catch {
    // Half-written by a process killed between create and write: its owner is gone with it.
    return 'unreadable';
  }
}

function youngerThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < ms;
  } catch {
    return false;
  }
}

function sameOwner(a: LockOwner, b: LockOwner): boolean {
  return a.pid === b.pid && a.host === b.host && a.since === b.since && a.startTicks === b.startTicks;
}

/** Whether the holder still runs. On another host nothing can be known: assume it does. */
function isAlive(o: LockOwner): boolean {
  if (o.host !== hostname()) return true;
  try {
    process.kill(o.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const ticks = startTimeOf(o.pid);
  return o.startTicks === undefined || ticks === undefined || ticks === o.startTicks;
}

function busy(s: LockSubject, path: string, o: LockOwner): ResourceError {
  return new ResourceError(
    s.subject,
    'busy',
    `in use by pid ${o.pid} on ${o.host} (${o.user}: ${o.command}, since ${o.since}); wait for it to end or ${s.instead} (lock ${path})`,
  );
}

function ownerOfThisProcess(command: string): LockOwner {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container's numeric uid): the pid still identifies the holder.
  }
  const ticks = startTimeOf(process.pid);
  return { pid: process.pid, ...(ticks !== undefined ? { startTicks: ticks } : {}), host: hostname(), user, command, since: new Date().toISOString() };
}
