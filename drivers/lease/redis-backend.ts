/**
 * Leases in Redis, for labs whose racks are driven from several hosts (`locks: redis://host:6379`
 * in the rig): two CI runners reaching one dongle through ser2net see the same lease.
 *
 * Per key two Redis keys, in one hash slot ({key}) so the scripts also run on a cluster:
 *   <prefix>:{<key>}:lease  the lease: the record as JSON, SET NX PX <ttl> — Redis expires it by
 *                           itself when the holder stops renewing, on the server's clock, so the
 *                           hosts' clocks never need to agree;
 *   <prefix>:{<key>}:last   the same record, kept a day longer: a lease that expired without being
 *                           released leaves it behind, which is how the next taker can say whose
 *                           lease it took over, and how `hil locks` shows a holder that died.
 * Renewal and release compare the record's random token inside a Lua script (atomic on the
 * server), so a holder that was presumed dead cannot extend or delete its successor's lease.
 *
 * A holder on this host is judged as the lock-file backend judges it: by its pid (and the pid's
 * start time), so a run killed with SIGKILL is shown dead at once, can be released and is taken
 * over without waiting for its lease to lapse. Replacing or deleting it compares the exact record
 * judged, in a script. A holder on another host counts until Redis expires its lease.
 *
 * Every wait on the server is bounded (timeoutMs): connecting until the server says it is ready,
 * and each command after. A server that accepts the connection and never answers (wedged, frozen
 * with SIGSTOP, a proxy in front of a dead one) is a ResourceError naming it and what timed out,
 * never a run that waits forever. A command that timed out may still reach the server later; a
 * lease it sets then lapses by its TTL, as nobody renews it.
 */
import { Redis } from 'ioredis';
import { ResourceError, resourceCodeOf } from '../../core/errors.js';
import type { LeaseRecord, LeaseState, ReleaseOutcome } from '../../core/lease.js';
import type { LeaseBackend, TakeResult } from './backend.js';
import { goneOnThisHost } from './owner.js';

/** How long the record of an unreleased lease outlives it. */
const KEEP_LAST_MS = 24 * 3600 * 1000;

const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local prev = redis.call('GET', KEYS[2])
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
  return {1, prev or false}
end
return {0, redis.call('GET', KEYS[1]) or false}`;

const RENEW = `
local cur = redis.call('GET', KEYS[1])
if not cur or cjson.decode(cur).token ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
return 1`;

/** Replaces the lease only if it still holds exactly the record judged dead (ARGV[1]). */
const REPLACE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
return 1`;

/** Deletes the lease and its record only if the lease still holds exactly the record judged (ARGV[1]). */
const REMOVE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1`;

const RELEASE = `
local n = 0
for i = 1, 2 do
  local cur = redis.call('GET', KEYS[i])
  if cur and cjson.decode(cur).token == ARGV[1] then n = n + redis.call('DEL', KEYS[i]) end
end
return n`;

export interface RedisBackendOptions {
  /** Key prefix (default 'csmp-hil'): labs sharing one Redis keep their leases apart with it. */
  prefix?: string;
  /** Longest wait for the server: to be connected and ready, and for each command's answer (default 5000). */
  timeoutMs?: number;
}

export const DEFAULT_REDIS_TIMEOUT_MS = 5000;

/** redis://[user:password@]host:port[/db] → the same without the credentials, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return 'redis://(unparsable url)';
  }
}

export class RedisLeaseBackend implements LeaseBackend {
  readonly where: string;
  private lastError: string | undefined;

  private constructor(
    private readonly client: Redis,
    url: string,
    private readonly prefix: string,
    private readonly timeoutMs: number,
  ) {
    this.where = redactRedisUrl(url);
  }

  /** Connects once; a ResourceError names the server (never its password) when it cannot, or is not ready in time. */
  static async connect(url: string, opts: RedisBackendOptions = {}): Promise<RedisLeaseBackend> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
    const client = new Redis(url, {
      lazyConnect: true,
      // A command fails after one reconnection attempt instead of waiting for Redis forever: a
      // renewal that fails is retried by the store at its next tick.
      maxRetriesPerRequest: 1,
      connectTimeout: timeoutMs,
      retryStrategy: (n) => Math.min(n * 200, 2000),
      // After QUIT (or without it) the socket is destroyed this soon if it is not closed by then;
      // ioredis' 2 s default kept a process whose Redis had gone away alive that long.
      disconnectTimeout: 100,
    });
    const backend = new RedisLeaseBackend(client, url, opts.prefix ?? 'csmp-hil', timeoutMs);
    // Without a listener ioredis' connection errors would be unhandled 'error' events.
    client.on('error', (e: Error) => {
      backend.lastError = e.message;
    });
    let accepted = false;
    client.once('connect', () => (accepted = true));
    let timer: NodeJS.Timeout | undefined;
    try {
      // connectTimeout covers the TCP connection only; being ready (the server answering) is bounded here.
      const connecting = client.connect();
      connecting.catch(() => {});
      await Promise.race([
        connecting,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('not ready')), timeoutMs);
        }),
      ]);
    } catch (e) {
      client.disconnect();
      if ((e as Error).message === 'not ready' && !backend.lastError) {
        const how = accepted ? 'the server accepted the connection but never answered' : 'the connection was not accepted';
        throw new ResourceError(backend.where, 'timeout', `cannot connect: not ready within ${timeoutMs} ms (${how})`, { cause: e });
      }
      throw new ResourceError(backend.where, 'unavailable', `cannot connect: ${backend.lastError ?? (e as Error).message}`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
    return backend;
  }

  async take(record: LeaseRecord): Promise<TakeResult> {
    const [lease, last] = this.keys(record.key);
    const json = JSON.stringify(record);
    const what = `taking the lease on ${record.key}`;
    // Two rounds: the second follows a dead holder's lease replaced by someone else meanwhile.
    for (let round = 0; round < 2; round++) {
      const [ok, other] = (await this.call(what, () => this.client.eval(ACQUIRE, 2, lease, last, json, record.ttlMs, record.ttlMs + KEEP_LAST_MS))) as [number, string | null];
      if (ok === 1) {
        const prev = other ? parse(other) : undefined;
        // A `last` record with another token: its holder neither released nor renewed the lease.
        if (prev && prev.token !== record.token) return { taken: true, previous: { record: prev, reason: `its lease expired at ${prev.expires} without being released` } };
        return { taken: true };
      }
      const holder = other ? parse(other) : undefined;
      if (!holder) throw new ResourceError(record.label, 'state', `lease ${lease} holds an unreadable record`);
      const gone = goneOnThisHost(holder.owner);
      if (!gone) return { taken: false, holder, selfHeld: false };
      const replaced = await this.call(what, () => this.client.eval(REPLACE, 2, lease, last, other!, json, record.ttlMs, record.ttlMs + KEEP_LAST_MS));
      if (replaced === 1) return { taken: true, previous: { record: holder, reason: gone } };
    }
    throw new ResourceError(record.label, 'busy', `lease ${lease} keeps changing hands`);
  }

  async renew(record: LeaseRecord): Promise<boolean> {
    const [lease, last] = this.keys(record.key);
    const n = await this.call(`renewing the lease on ${record.key}`, () =>
      this.client.eval(RENEW, 2, lease, last, record.token, JSON.stringify(record), record.ttlMs, record.ttlMs + KEEP_LAST_MS),
    );
    return n === 1;
  }

  async drop(record: LeaseRecord): Promise<void> {
    const [lease, last] = this.keys(record.key);
    await this.call(`releasing the lease on ${record.key}`, () => this.client.eval(RELEASE, 2, lease, last, record.token));
  }

  async list(): Promise<LeaseState[]> {
    const what = 'listing the leases';
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.call(what, () => this.client.scan(cursor, 'MATCH', `${this.prefix}:{*}:*`, 'COUNT', 500));
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const byKey = new Map<string, { lease?: string; last?: string }>();
    for (const k of keys) {
      const m = /^(.*):\{(.*)\}:(lease|last)$/.exec(k);
      if (!m || m[1] !== this.prefix) continue;
      const entry = byKey.get(m[2]!) ?? {};
      entry[m[3] as 'lease' | 'last'] = k;
      byKey.set(m[2]!, entry);
    }
    const out: LeaseState[] = [];
    for (const [key, e] of [...byKey].sort(([a], [b]) => a.localeCompare(b))) {
      const lease = e.lease ? await this.call(what, () => this.client.get(e.lease!)) : null;
      if (lease) {
        const record = parse(lease);
        const gone = record && goneOnThisHost(record.owner);
        if (record) out.push(gone ? { record, live: false, why: gone } : { record, live: true });
        continue;
      }
      const last = e.last ? await this.call(what, () => this.client.get(e.last!)) : null;
      const record = last ? parse(last) : undefined;
      if (record) out.push({ record: { ...record, key }, live: false, why: `its lease expired at ${record.expires} without being released` });
    }
    return out;
  }

  async remove(key: string, force: boolean): Promise<ReleaseOutcome> {
    const what = `freeing ${key}`;
    const [leaseKey, lastKey] = this.keys(key);
    const lease = await this.call(what, () => this.client.get(leaseKey));
    if (lease) {
      const record = parse(lease);
      const gone = record && goneOnThisHost(record.owner);
      if (!force && !gone) return { released: false, reason: 'its holder is alive (use --force to free it anyway)', ...(record ? { record } : {}) };
      // Only the record judged: a lease taken meanwhile by someone else stays.
      const removed = await this.call(what, () => this.client.eval(REMOVE, 2, leaseKey, lastKey, lease));
      if (removed !== 1) return { released: false, reason: 'the lease changed hands while being freed (look again with hil locks)', ...(record ? { record } : {}) };
      return record ? { released: true, record, forced: !gone } : { released: false, reason: 'unreadable lease record removed' };
    }
    const last = await this.call(what, () => this.client.get(lastKey));
    const record = last ? parse(last) : undefined;
    if (!record) return { released: false, reason: `no lease on ${key} in ${this.where}` };
    await this.call(what, () => this.client.del(lastKey));
    return { released: true, record, forced: false };
  }

  /** QUIT, waited for at most the timeout; the connection is dropped either way. */
  async close(): Promise<void> {
    try {
      await this.call('closing the connection', () => this.client.quit());
    } catch {
      // Not answered: the socket is closed without it.
    } finally {
      this.client.disconnect();
    }
  }

  /**
   * One exchange with the server, bounded by the timeout; its failure is a ResourceError naming the
   * server and what was being done ("releasing the lease on device:…: no answer within 5000 ms").
   */
  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ResourceError(this.where, 'timeout', `${what}: no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    const pending = work();
    try {
      return await Promise.race([pending, timeout]);
    } catch (e) {
      pending.catch(() => {});
      if (e instanceof ResourceError) throw e;
      // While ioredis reconnects, its own error says less than the connection's last one.
      const why = this.client.status !== 'ready' && this.lastError ? `not connected (${this.lastError})` : (e as Error).message;
      throw new ResourceError(this.where, this.client.status !== 'ready' ? 'unavailable' : resourceCodeOf(e), `${what}: ${why}`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
  }

  private keys(key: string): [string, string] {
    return [`${this.prefix}:{${key}}:lease`, `${this.prefix}:{${key}}:last`];
  }
}

function parse(json: string): LeaseRecord | undefined {
  try {
    const r = JSON.parse(json) as LeaseRecord;
    return typeof r.token === 'string' && r.owner ? r : undefined;
  } catch {
    return undefined;
  }
}
