/**
 * A LeaseStore over any backend: takes several leases all or none, renews them every third of
 * their TTL while the holder lives, and tells the holder when a renewal finds a lease gone.
 *
 * Renewal timers are unref'd: a lease must never be the thing that keeps a finished run alive.
 * A renewal that fails (Redis restarting) is retried at the next tick; only once the lease's own
 * expiry has passed without a successful renewal is it reported lost.
 */
import { randomUUID } from 'node:crypto';
import { ResourceError, resourceCodeOf } from '../../core/errors.js';
import { heldMessage, type HeldLeases, type LeaseOwner, type LeaseRecord, type LeaseRequest, type LeaseState, type LeaseStore, type LeaseTakeover, type ReleaseOutcome } from '../../core/lease.js';
import type { LeaseBackend } from './backend.js';
import { currentOwner } from './owner.js';

export const DEFAULT_LEASE_TTL_MS = 30_000;

export interface LeaseStoreOptions {
  ttlMs?: number;
  owner?: LeaseOwner;
  now?: () => number;
}

// Every set of leases this process holds, for the exit hook.
const heldSets = new Set<HeldSet>();
let exitHookInstalled = false;

export class BackedLeaseStore implements LeaseStore {
  readonly ttlMs: number;
  private readonly owner: LeaseOwner;
  private readonly now: () => number;
  private readonly sets = new Set<HeldSet>();

  constructor(
    private readonly backend: LeaseBackend,
    opts: LeaseStoreOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    if (!(Number.isInteger(this.ttlMs) && this.ttlMs >= 100)) throw new TypeError(`lease TTL must be an integer >= 100 ms, got ${opts.ttlMs}`);
    this.owner = opts.owner ?? currentOwner();
    this.now = opts.now ?? Date.now;
  }

  get where(): string {
    return this.backend.where;
  }

  async acquire(requests: readonly LeaseRequest[]): Promise<HeldLeases> {
    const unique = [...new Map(requests.map((r) => [r.key, r])).values()];
    const taken: LeaseRecord[] = [];
    const takeovers: LeaseTakeover[] = [];
    try {
      for (const req of unique) {
        const record = this.record(req);
        const got = await this.backend.take(record);
        if (!got.taken) throw new ResourceError(req.label, 'busy', heldMessage(got.holder, this.where, got.selfHeld));
        taken.push(record);
        if (got.previous) takeovers.push({ key: req.key, label: req.label, previous: got.previous.record, reason: got.previous.reason });
      }
    } catch (e) {
      await Promise.all(taken.map((r) => this.backend.drop(r).catch(() => {})));
      if (e instanceof ResourceError) throw e;
      throw new ResourceError(this.where, resourceCodeOf(e), `cannot take leases: ${(e as Error).message}`, { cause: e });
    }
    const set = new HeldSet(this.backend, taken, takeovers, this.ttlMs, this.now, () => {
      this.sets.delete(set);
      heldSets.delete(set);
    });
    this.sets.add(set);
    heldSets.add(set);
    installExitHook();
    return set;
  }

  list(): Promise<LeaseState[]> {
    return this.backend.list();
  }

  release(key: string, opts: { force?: boolean } = {}): Promise<ReleaseOutcome> {
    return this.backend.remove(key, opts.force ?? false);
  }

  async close(): Promise<void> {
    await Promise.all([...this.sets].map((s) => s.release()));
    await this.backend.close();
  }

  private record(req: LeaseRequest): LeaseRecord {
    const now = this.now();
    return {
      key: req.key,
      label: req.label,
      owner: this.owner,
      token: randomUUID(),
      since: new Date(now).toISOString(),
      expires: new Date(now + this.ttlMs).toISOString(),
      ttlMs: this.ttlMs,
    };
  }
}

class HeldSet implements HeldLeases {
  private current: LeaseRecord[];
  private readonly listeners: ((r: LeaseRecord, why: string) => void)[] = [];
  private readonly timer: NodeJS.Timeout;
  private released: Promise<void> | undefined;
  private renewing = false;

  constructor(
    private readonly backend: LeaseBackend,
    records: LeaseRecord[],
    readonly takeovers: readonly LeaseTakeover[],
    ttlMs: number,
    private readonly now: () => number,
    private readonly onReleased: () => void,
  ) {
    this.current = records;
    this.timer = setInterval(() => void this.renew(), Math.max(10, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  get records(): readonly LeaseRecord[] {
    return this.current;
  }

  onLost(listener: (record: LeaseRecord, why: string) => void): void {
    this.listeners.push(listener);
  }

  release(): Promise<void> {
    this.released ??= (async () => {
      clearInterval(this.timer);
      this.onReleased();
      const records = this.current;
      this.current = [];
      await Promise.all(records.map((r) => this.backend.drop(r).catch(() => {})));
    })();
    return this.released;
  }

  /** Exit hook: the process is going, no promise will run. */
  dropNow(): void {
    clearInterval(this.timer);
    for (const r of this.current) this.backend.dropAtExit?.(r);
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.released) return;
    this.renewing = true;
    try {
      const now = this.now();
      const next: LeaseRecord[] = [];
      for (const r of this.current) {
        const renewed = { ...r, expires: new Date(now + r.ttlMs).toISOString() };
        let ok: boolean;
        try {
          ok = await this.backend.renew(renewed);
        } catch (e) {
          // Keep the lease while it has not expired: the store may be back at the next tick.
          if (Date.parse(r.expires) > this.now()) {
            next.push(r);
            continue;
          }
          this.lose(r, `cannot renew: ${(e as Error).message}`);
          continue;
        }
        if (this.released) return;
        if (ok) next.push(renewed);
        else this.lose(r, 'the lease is gone or held by someone else (released by force, or expired while renewal was impossible)');
      }
      if (!this.released) this.current = next;
    } finally {
      this.renewing = false;
    }
  }

  private lose(r: LeaseRecord, why: string): void {
    for (const l of this.listeners) {
      try {
        l(r, why);
      } catch {
        // A listener's failure must not stop the other leases from being renewed.
      }
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Orderly exits free lock files at once; SIGKILL leaves them to expire or be found dead.
  process.once('exit', () => {
    for (const s of heldSets) s.dropNow();
  });
}
