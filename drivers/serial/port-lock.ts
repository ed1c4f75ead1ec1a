/**
 * Exclusive use of a port across harness runs on one machine: a lock file per resource under
 * os.tmpdir()/csmp-hil-locks holding the holder's pid and command line, so a refusal can say who
 * holds it. Locks of dead processes (or of a recycled pid, told apart by process start time) are
 * taken over: a run killed with SIGKILL must not block the bench until someone cleans up by hand.
 *
 * serialport's own `lock` (flock on the tty) stays on as well; it guards against non-harness
 * programs but its error cannot name the holder.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceError } from '../../core/errors.js';

export interface LockHolder {
  pid: number;
  /** /proc start time of the holder (clock ticks since boot); undefined off Linux. */
  startTime?: number;
  command: string;
  key: string;
  since: string;
}

export function defaultLockDir(): string {
  return join(tmpdir(), 'csmp-hil-locks');
}

// Locks this process holds, by file: the pid in the file cannot tell two holders in one process
// apart (tests open the same path twice in one Jest worker).
const heldHere = new Map<string, PortLock>();
let exitHookInstalled = false;

export class PortLock {
  private released = false;

  private constructor(
    readonly resource: string,
    readonly files: string[],
  ) {}

  /**
   * Takes every key (a port can have several names: the configured path and the device it resolves
   * to) or none. Throws ResourceError naming `resource` and the holder.
   */
  static acquire(resource: string, keys: string[], dir = defaultLockDir()): PortLock {
    mkdirSync(dir, { recursive: true });
    const unique = [...new Set(keys)];
    const files = unique.map((k) => join(dir, fileNameFor(k)));
    const taken: string[] = [];
    const lock = new PortLock(resource, files);
    try {
      unique.forEach((key, i) => {
        takeFile(resource, key, files[i]!);
        taken.push(files[i]!);
        heldHere.set(files[i]!, lock);
      });
    } catch (e) {
      for (const f of taken) releaseFile(f);
      throw e;
    }
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      // Best effort for orderly exits; SIGKILL leaves the file, and the next run takes it over.
      process.once('exit', () => {
        for (const f of heldHere.keys()) releaseFile(f);
      });
    }
    return lock;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    for (const f of this.files) if (heldHere.get(f) === this) releaseFile(f);
  }
}

/** Where the lock for `key` lives (for tools and tests that inspect or plant locks). */
export function lockFileFor(key: string, dir = defaultLockDir()): string {
  return join(dir, fileNameFor(key));
}

function fileNameFor(key: string): string {
  const readable = key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-80);
  return `${readable}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}.lock`;
}

function takeFile(resource: string, key: string, file: string): void {
  const me: LockHolder = {
    pid: process.pid,
    startTime: startTimeOf(process.pid),
    command: process.argv.join(' '),
    key,
    since: new Date().toISOString(),
  };
  // Two rounds: the second follows the removal of a stale lock; losing that race to another taker
  // is then reported as in use by the winner.
  for (let round = 0; round < 2; round++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ResourceError(resource, 'io', `cannot create lock file ${file}: ${(e as Error).message}`, { cause: e });
      }
      const holder = readHolder(file);
      if (holder && isAlive(holder, file)) {
        const who = holder.pid === process.pid ? `this process (pid ${holder.pid})` : `pid ${holder.pid}`;
        throw new ResourceError(resource, 'busy', `in use by ${who} since ${holder.since}: ${holder.command} (lock file ${file})`);
      }
      // A lock mid-write reads as unparsable; only remove one old enough not to be that.
      if (!holder && round === 0 && Date.now() - mtimeOf(file) < 1000) {
        throw new ResourceError(resource, 'busy', `in use: lock file ${file} is being written by another process`);
      }
      try {
        unlinkSync(file);
      } catch {
        // Someone else removed it first; retry the exclusive create.
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me));
    } finally {
      closeSync(fd);
    }
    return;
  }
  const holder = readHolder(file);
  throw new ResourceError(resource, 'busy', `in use by pid ${holder?.pid ?? 'unknown'} (lock file ${file})`);
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' ? h : undefined;
  } catch {
    return undefined;
  }
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function isAlive(h: LockHolder, file: string): boolean {
  // Our own pid but not in our table: left by an earlier process that had this pid.
  if (h.pid === process.pid) return heldHere.has(file);
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = startTimeOf(h.pid);
  return h.startTime === undefined || now === undefined || now === h.startTime;
}

/** Field 22 of /proc/<pid>/stat: with the pid it names one process for the life of the machine. */
function startTimeOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses; fields after the last ')' are fixed.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(rest[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function releaseFile(file: string): void {
  heldHere.delete(file);
  try {
    const h = readHolder(file);
    if (h?.pid === process.pid) unlinkSync(file);
  } catch {
    // Already gone.
  }
}
