/**
 * Leases as lock files in one folder (default os.tmpdir()/csmp-hil-locks): one JSON file per key,
 * created with O_EXCL so two takers cannot both win. The default backend, for one host.
 *
 * A holder on this host counts as long as its process lives: a run killed with SIGKILL is found
 * dead at once (its pid is gone, or now belongs to a process started later), without waiting for
 * its lease to expire. A holder on another host (a folder shared over NFS) counts until its lease
 * expires. Files written by earlier versions of csmp-hil (no expiry, no token) are still read.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceError } from '../../core/errors.js';
import type { LeaseRecord, LeaseState, ReleaseOutcome } from '../../core/lease.js';
import type { LeaseBackend, TakeResult } from './backend.js';
import { startTimeOf } from './owner.js';
import { makeDirs } from '../../core/make-dirs.js';

export function defaultLockDir(): string {
  return join(tmpdir(), 'csmp-hil-locks');
}

/** Where the lock file for `key` lives (for tools and tests that inspect or plant locks). */
export function lockFileFor(key: string, dir = defaultLockDir()): string {
  const readable = key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-80);
  return join(dir, `${readable}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}.lock`);
}

// Tokens this process holds, by file: the pid in a file cannot tell two holders in one process
// apart (tests open the same port twice in one Jest worker), nor this process from an earlier one
// that had the same pid.
const heldHere = new Map<string, string>();

export class FileLeaseBackend implements LeaseBackend {
  constructor(readonly dir: string = defaultLockDir()) {}

  get where(): string {
    return `lock folder ${this.dir}`;
  }

  async take(record: LeaseRecord): Promise<TakeResult> {
    const file = lockFileFor(record.key, this.dir);
    try {
      makeDirs(this.dir);
    } catch (e) {
      throw new ResourceError(record.label, 'io', `cannot create lock folder ${this.dir}: ${(e as Error).message}`, { cause: e });
    }
    let previous: { record: LeaseRecord; reason: string } | undefined;
    // Two rounds: the second follows the removal of a dead holder's file; losing that race to
    // another taker is then reported as in use by the winner.
    for (let round = 0; round < 2; round++) {
      let fd: number;
      try {
        fd = openSync(file, 'wx');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new ResourceError(record.label, 'io', `cannot create lock file ${file}: ${(e as Error).message}`, { cause: e });
        }
        const holder = readRecord(file);
        if (!holder) {
          // A file mid-write reads as unparsable; only remove one old enough not to be that.
          if (Date.now() - mtimeOf(file) < 1000) {
            throw new ResourceError(record.label, 'busy', `in use: lock file ${file} is being written by another process`);
          }
        } else {
          const state = stateOf(holder, file);
          if (state.live) return { taken: false, holder, selfHeld: heldHere.get(file) === holder.token };
          previous = { record: holder, reason: state.why ?? 'its holder is gone' };
        }
        try {
          unlinkSync(file);
        } catch {
          // Someone else removed it first; retry the exclusive create.
        }
        continue;
      }
      try {
        writeSync(fd, JSON.stringify(record, null, 2));
      } finally {
        closeSync(fd);
      }
      heldHere.set(file, record.token);
      return previous ? { taken: true, previous } : { taken: true };
    }
    const holder = readRecord(file);
    if (holder) return { taken: false, holder, selfHeld: false };
    throw new ResourceError(record.label, 'busy', `lock file ${file} keeps being taken`);
  }

  async renew(record: LeaseRecord): Promise<boolean> {
    const file = lockFileFor(record.key, this.dir);
    if (readRecord(file)?.token !== record.token) return false;
    // Replaced whole: a reader sees the old expiry or the new one, never half a file.
    const tmp = `${file}.${process.pid}.renew`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(record, null, 2));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    return true;
  }

  async drop(record: LeaseRecord): Promise<void> {
    this.dropAtExit(record);
  }

  dropAtExit(record: LeaseRecord): void {
    const file = lockFileFor(record.key, this.dir);
    if (heldHere.get(file) === record.token) heldHere.delete(file);
    try {
      if (readRecord(file)?.token === record.token) unlinkSync(file);
    } catch {
      // Already gone.
    }
  }

  async list(): Promise<LeaseState[]> {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.lock')).sort();
    } catch {
      return [];
    }
    const out: LeaseState[] = [];
    for (const n of names) {
      const file = join(this.dir, n);
      const record = readRecord(file);
      if (record) out.push({ record, ...stateOf(record, file) });
    }
    return out;
  }

  async remove(key: string, force: boolean): Promise<ReleaseOutcome> {
    const file = lockFileFor(key, this.dir);
    const record = readRecord(file);
    if (!record) return { released: false, reason: `no lease on ${key} in ${this.where}` };
    const state = stateOf(record, file);
    if (state.live && !force) return { released: false, reason: 'its holder is alive (use --force to free it anyway)', record };
    try {
      unlinkSync(file);
    } catch (e) {
      return { released: false, reason: `cannot remove ${file}: ${(e as Error).message}`, record };
    }
    return { released: true, record, forced: state.live };
  }

  async close(): Promise<void> {}
}

/** A lock file as a LeaseRecord; older formats (PortLock, DeviceLocks) get what they lack. */
function readRecord(file: string): LeaseRecord | undefined {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (v['owner'] && typeof v['token'] === 'string') return v as unknown as LeaseRecord;
  if (typeof v['pid'] !== 'number') return undefined;
  const since = typeof v['since'] === 'string' ? v['since'] : '?';
  return {
    key: String(v['key'] ?? v['device'] ?? '?'),
    label: String(v['device'] ?? v['key'] ?? '?'),
    owner: {
      host: typeof v['host'] === 'string' ? v['host'] : hostname(),
      pid: v['pid'],
      user: '?',
      command: typeof v['command'] === 'string' ? v['command'] : `rig ${String(v['rig'] ?? '?')}`,
      ...(typeof v['startTime'] === 'number' ? { startTime: v['startTime'] } : {}),
    },
    token: '',
    since,
    // No expiry in the old formats: the holder counted as long as it lived.
    expires: 'never',
    ttlMs: 0,
  };
}

function stateOf(r: LeaseRecord, file: string): { live: boolean; why?: string } {
  if (r.owner.host === hostname()) {
    const { pid } = r.owner;
    if (pid === process.pid) {
      return heldHere.get(file) === r.token ? { live: true } : { live: false, why: `left by an earlier process with pid ${pid}` };
    }
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return { live: false, why: `its process (pid ${pid}) is gone` };
    }
    const now = startTimeOf(pid);
    if (r.owner.startTime !== undefined && now !== undefined && now !== r.owner.startTime) {
      return { live: false, why: `its process (pid ${pid}) is gone; the pid now belongs to another process` };
    }
    return { live: true };
  }
  const expires = Date.parse(r.expires);
  if (Number.isFinite(expires) && expires < Date.now()) return { live: false, why: `its lease expired at ${r.expires}` };
  return { live: true };
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
