/**
 * Leases as lock files in one folder (default os.tmpdir()/csmp-hil-locks): one JSON file per key,
 * created with O_EXCL so two takers cannot both win. The default backend, for one host.
 *
 * A holder on this host counts as long as its process lives: a run killed with SIGKILL is found
 * dead at once (its pid is gone, or now belongs to a process started later), without waiting for
 * its lease to expire. A holder on another host (a folder shared over NFS) counts until its lease
 * expires. Files written by earlier versions of csmp-hil (no expiry, no token) are still read.
 *
 * Replacing a file that is there (a dead holder's taken over, a lease renewed, `hil locks release`)
 * is done only under a takeover guard, a second O_EXCL file named after the exact file that was
 * judged, and only after reading that file again under the guard and finding it unchanged. Without
 * the guard, two takers judging the same dead lease both removed "it": the second removed the
 * first's new, live lease and both went on with the device.
 *
 * A guard lives for the microseconds of one replacement. One left by a process killed inside them
 * is passed over (the next generation of the guard is used) once its creator is known to be gone:
 * on this host by its pid, from another host after TAKEOVER_STALE_MS.
 */
import { createHash } from 'node:crypto';
import { accessSync, closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ResourceError } from '../../core/errors.js';
import type { LeaseRecord, LeaseState, ReleaseOutcome } from '../../core/lease.js';
import type { LeaseBackend, TakeResult } from './backend.js';
import { goneOnThisHost, startTimeOf } from './owner.js';
import { makeDirs } from '../../core/make-dirs.js';

export function defaultLockDir(): string {
  return join(tmpdir(), 'csmp-hil-locks');
}

/**
 * Whether this process can keep lock files in `dir` (creating it if needed): false when another
 * user made the shared folder and this one may not write there.
 */
export function lockDirUsable(dir = defaultLockDir()): boolean {
  try {
    makeDirs(dir);
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where the lock file for `key` lives (for tools and tests that inspect or plant locks). */
export function lockFileFor(key: string, dir = defaultLockDir()): string {
  const readable = key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-80);
  return join(dir, `${readable}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}.lock`);
}

/** A guard older than this, from another host, was left by a process killed mid-replacement. */
const TAKEOVER_STALE_MS = 10_000;
/** How long a taker waits for another one's replacement under the guard before calling the file busy. */
const GUARD_WAIT_MS = 2000;
/** Generations of a guard tried before giving up (each one's creator died mid-replacement). */
const GUARD_GENERATIONS = 8;

/**
 * Points where a take (or a remove) pauses for a test's hook, to drive two takers through an exact
 * interleaving: 'judged' (the holder read and found gone, nothing changed yet), 'guarded' (the takeover guard
 * created, the file not yet read again), 'guard-busy' (another taker's guard found; waiting for it).
 */
export type FileLeaseStep = 'judged' | 'guarded' | 'guard-busy';

export interface FileLeaseBackendOptions {
  /** Test seam: awaited at each FileLeaseStep of take() and remove(). */
  onStep?: (step: FileLeaseStep, file: string) => Promise<void> | void;
}

// Tokens this process holds, by file: the pid in a file cannot tell two holders in one process
// apart (tests open the same port twice in one Jest worker), nor this process from an earlier one
// that had the same pid.
const heldHere = new Map<string, string>();

/** What was read of a lock file: its bytes and which file (inode, mtime) they came from. */
interface Snapshot {
  text: string;
  ino: number;
  mtimeMs: number;
}

type Replaced<T> = { done: T } | 'changed' | { busy: string };

export class FileLeaseBackend implements LeaseBackend {
  private readonly onStep: NonNullable<FileLeaseBackendOptions['onStep']>;

  constructor(
    readonly dir: string = defaultLockDir(),
    opts: FileLeaseBackendOptions = {},
  ) {
    this.onStep = opts.onStep ?? (() => undefined);
  }

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
    const waitUntil = Date.now() + GUARD_WAIT_MS;
    // Each round either creates the file, finds a live holder, or replaces a dead one's file under
    // the guard; a file that changed meanwhile is read again in the next round.
    for (let round = 0; round < 5; round++) {
      if (createWith(file, record, record.label)) {
        heldHere.set(file, record.token);
        return { taken: true };
      }
      const snap = snapshot(file);
      if (!snap) continue;
      const holder = parseRecord(snap.text);
      let previous: { record: LeaseRecord; reason: string } | undefined;
      if (!holder) {
        // A file mid-write reads as unparsable; only replace one old enough not to be that.
        if (Date.now() - snap.mtimeMs < 1000) throw new ResourceError(record.label, 'busy', `in use: lock file ${file} is being written by another process`);
      } else {
        const state = stateOf(holder, file);
        if (state.live) return { taken: false, holder, selfHeld: heldHere.get(file) === holder.token };
        previous = { record: holder, reason: state.why ?? 'its holder is gone' };
      }
      await this.onStep('judged', file);
      for (;;) {
        const r = await this.replace(file, snap, () => {
          unlinkSync(file);
          // False when another taker created the file in the instant it was absent: read it next round.
          return createWith(file, record, record.label);
        });
        if (r === 'changed') break;
        if ('done' in r) {
          if (!r.done) break;
          heldHere.set(file, record.token);
          return previous ? { taken: true, previous } : { taken: true };
        }
        if (Date.now() > waitUntil) throw new ResourceError(record.label, 'busy', `lock file ${file} is being taken over by ${r.busy}`);
        await this.onStep('guard-busy', file);
        await delay(5);
      }
    }
    const holder = readRecord(file);
    if (holder) return { taken: false, holder, selfHeld: heldHere.get(file) === holder.token };
    throw new ResourceError(record.label, 'busy', `lock file ${file} keeps being taken`);
  }

  async renew(record: LeaseRecord): Promise<boolean> {
    const file = lockFileFor(record.key, this.dir);
    const snap = snapshot(file);
    if (!snap || parseRecord(snap.text)?.token !== record.token) return false;
    const r = await this.replace(file, snap, () => {
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
    });
    if (r === 'changed') {
      // Ours still, rewritten meanwhile: retried at the next tick; another's: lost.
      if (readRecord(file)?.token === record.token) throw new ResourceError(record.label, 'busy', `lock file ${file} changed during its renewal`);
      return false;
    }
    if ('busy' in r) throw new ResourceError(record.label, 'busy', `lock file ${file} is being taken over by ${r.busy}`);
    return r.done;
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
    const snap = snapshot(file);
    const record = snap ? parseRecord(snap.text) : undefined;
    if (!snap || !record) return { released: false, reason: `no lease on ${key} in ${this.where}` };
    const state = stateOf(record, file);
    if (state.live && !force) return { released: false, reason: 'its holder is alive (use --force to free it anyway)', record };
    await this.onStep('judged', file);
    let r: Replaced<true>;
    try {
      r = await this.replace(file, snap, () => {
        unlinkSync(file);
        return true as const;
      });
    } catch (e) {
      return { released: false, reason: `cannot remove ${file}: ${(e as Error).message}`, record };
    }
    if (r === 'changed') return { released: false, reason: 'the lease changed hands while being freed (look again with hil locks)', record };
    if ('busy' in r) return { released: false, reason: `the lease is being taken over by ${r.busy}`, record };
    return { released: true, record, forced: state.live };
  }

  async close(): Promise<void> {}

  /**
   * Runs `act` under the takeover guard of exactly the file `judged` read, once that file is found
   * unchanged; 'changed' when it is not (another taker, a renewal or a release came first), busy
   * when another process holds the guard now.
   */
  private async replace<T>(file: string, judged: Snapshot, act: () => T): Promise<Replaced<T>> {
    const base = takeoverGuardBase(file, judged.text);
    for (let gen = 0, tries = 0; gen < GUARD_GENERATIONS && tries < 4 * GUARD_GENERATIONS; tries++) {
      const guard = `${base}.${gen}`;
      if (!createGuard(guard)) {
        const g = guardState(guard);
        if (g === 'gone') continue; // finished meanwhile: try the same generation again
        if (g !== 'dead') return { busy: g };
        gen++;
        continue;
      }
      try {
        await this.onStep('guarded', file);
        const now = snapshot(file);
        if (!now || now.text !== judged.text || now.ino !== judged.ino || now.mtimeMs !== judged.mtimeMs) return 'changed';
        const done = act();
        // Earlier generations were left by takers that died under them: nobody needs them now.
        for (let g = 0; g < gen; g++) removeQuietly(`${base}.${g}`);
        return { done };
      } finally {
        removeQuietly(guard);
      }
    }
    return { busy: `processes that died while taking it over (its guards ${base}.*)` };
  }
}

/**
 * The takeover guards of lock file `file` holding exactly `text` are `<base>.0`, `<base>.1`…: every
 * taker judging the same file contents uses the same guard (for tools and tests).
 */
export function takeoverGuardBase(file: string, text: string): string {
  return `${file}.takeover-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

/** O_EXCL create of a lock file holding `record`; false when one is there. */
function createWith(file: string, record: LeaseRecord, label: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new ResourceError(label, 'io', `cannot create lock file ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    writeSync(fd, JSON.stringify(record, null, 2));
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The file's bytes with its identity, read through one descriptor; undefined when there is none. */
function snapshot(file: string): Snapshot | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    return { text: readFileSync(fd, 'utf8'), ino: st.ino, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

interface GuardOwner {
  host: string;
  pid: number;
  startTime?: number;
  since: string;
}

function createGuard(guard: string): boolean {
  let fd: number;
  try {
    fd = openSync(guard, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    const start = startTimeOf(process.pid);
    const owner: GuardOwner = { host: hostname(), pid: process.pid, ...(start !== undefined ? { startTime: start } : {}), since: new Date().toISOString() };
    writeSync(fd, JSON.stringify(owner));
  } finally {
    closeSync(fd);
  }
  return true;
}

/** 'gone', 'dead' (its creator died under it), or who holds it: "pid 4242 on rack-7". */
function guardState(guard: string): 'gone' | 'dead' | string {
  const snap = snapshot(guard);
  if (!snap) return 'gone';
  let o: GuardOwner | undefined;
  try {
    o = JSON.parse(snap.text) as GuardOwner;
  } catch {
    // Between its creation and its content, or its creator died there.
  }
  const age = Date.now() - snap.mtimeMs;
  if (!o || typeof o.pid !== 'number' || typeof o.host !== 'string') return age > 1000 ? 'dead' : 'another process';
  if (o.host !== hostname()) return age > TAKEOVER_STALE_MS ? 'dead' : `pid ${o.pid} on ${o.host}`;
  return goneOnThisHost(o) ? 'dead' : `pid ${o.pid} on ${o.host}`;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function readRecord(file: string): LeaseRecord | undefined {
  const snap = snapshot(file);
  return snap ? parseRecord(snap.text) : undefined;
}

/** A lock file as a LeaseRecord; older formats (PortLock, DeviceLocks) get what they lack. */
function parseRecord(text: string): LeaseRecord | undefined {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object') return undefined;
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
    const gone = goneOnThisHost(r.owner);
    return gone ? { live: false, why: gone } : { live: true };
  }
  const expires = Date.parse(r.expires);
  if (Number.isFinite(expires) && expires < Date.now()) return { live: false, why: `its lease expired at ${r.expires}` };
  return { live: true };
}
