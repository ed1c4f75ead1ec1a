/**
 * A LeaseStore over any backend: takes several leases all or none, renews them every third of
 * their TTL while the holder lives, and tells the holder when a renewal finds a lease gone.
 *
 * Renewal timers are unref'd: a lease must never be the thing that keeps a finished run alive.
 * A renewal that fails (Redis restarting) is retried at the next tick; only once the lease's own
 * expiry has passed without a successful renewal is it reported lost. Until then nobody else can
 * have taken it (the store keeps it until its expiry), so the holder still counts as holding it.
 */
import { randomUUID } from 'node:crypto';
import { ResourceError, resourceCodeOf } from '../../core/errors.js';
import { heldMessage, type HeldLeases, type LeaseOwner, type LeaseRecord, type LeaseRequest, type LeaseState, type LeaseStore, type LeaseTakeover, type ReleaseOutcome, type UnreleasedLease } from '../../core/lease.js';
import type { LeaseBackend } from './backend.js';
import { currentOwner } from './owner.js';
import { raceAbort } from '../../core/abort.js';

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

  async close(opts: { signal?: AbortSignal } = {}): Promise<readonly UnreleasedLease[]> {
    const left = (await Promise.all([...this.sets].map((s) => s.release(opts)))).flat();
    // Bounded by the backend (Redis: its timeout); not waited for once stopped.
    const closing = this.backend.close().catch(() => {});
    await untilAborted(closing, opts.signal);
    return left;
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
  private readonly listeners: ((r: LeaseRecord, why: string, at: number) => void)[] = [];
  private readonly timer: NodeJS.Timeout;
  private released: Promise<readonly UnreleasedLease[]> | undefined;
  /** Leases being released whose release is not yet confirmed. */
  private readonly releasing = new Set<LeaseRecord>();
  /** The renewal round under way. */
  private round: Promise<void> | undefined;

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

  onLost(listener: (record: LeaseRecord, why: string, at: number) => void): void {
    this.listeners.push(listener);
  }

  async check(): Promise<void> {
    // A round already under way may have read the store before what the caller wants covered.
    await this.round;
    await this.renew();
  }

  release(opts: { signal?: AbortSignal } = {}): Promise<readonly UnreleasedLease[]> {
    this.released ??= (async () => {
      clearInterval(this.timer);
      this.onReleased();
      const records = this.current;
      this.current = [];
      for (const r of records) this.releasing.add(r);
      const outcomes = await Promise.all(
        records.map((r) =>
          this.backend.drop(r).then(
            () => {
              this.releasing.delete(r);
              return undefined;
            },
            (e: unknown) => {
              this.releasing.delete(r);
              return { record: r, why: e instanceof Error ? e.message : String(e) };
            },
          ),
        ),
      );
      return outcomes.filter((o): o is UnreleasedLease => o !== undefined);
    })();
    if (!opts.signal) return this.released;
    // Stopped first: the leases whose release is still unconfirmed at that moment.
    return untilAborted(this.released, opts.signal).then((v) => v ?? [...this.releasing].map((record) => ({ record, why: 'stopped before its release was confirmed' })));
  }

  /** Exit hook: the process is going, no promise will run. */
  dropNow(): void {
    clearInterval(this.timer);
    for (const r of this.current) this.backend.dropAtExit?.(r);
  }

  /** One renewal round; a caller arriving during one shares it. */
  private renew(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.round ??= this.renewRound().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  private async renewRound(): Promise<void> {
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
  }

  private lose(r: LeaseRecord, why: string): void {
    const at = this.now();
    for (const l of this.listeners) {
      try {
        l(r, why, at);
      } catch {
        // A listener's failure must not stop the other leases from being renewed.
      }
    }
  }
}

/** `work`, or undefined as soon as `signal` aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  return signal ? raceAbort(work, signal, () => undefined) : work;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Orderly exits free lock files at once; SIGKILL leaves them to expire or be found dead.
  process.once('exit', () => {
    for (const s of heldSets) s.dropNow();
  });
}
