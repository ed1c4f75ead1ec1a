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
 */
import { Redis } from 'ioredis';
import { ResourceError } from '../../core/errors.js';
import type { LeaseRecord, LeaseState, ReleaseOutcome } from '../../core/lease.js';
import type { LeaseBackend, TakeResult } from './backend.js';

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
  connectTimeoutMs?: number;
}

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
  ) {
    this.where = redactRedisUrl(url);
  }

  /** Connects once; a ResourceError names the server (never its password) when it cannot. */
  static async connect(url: string, opts: RedisBackendOptions = {}): Promise<RedisLeaseBackend> {
    const client = new Redis(url, {
      lazyConnect: true,
      // A command fails after one reconnection attempt instead of waiting for Redis forever: a
      // renewal that fails is retried by the store at its next tick.
      maxRetriesPerRequest: 1,
      connectTimeout: opts.connectTimeoutMs ?? 5000,
      retryStrategy: (n) => Math.min(n * 200, 2000),
    });
    const backend = new RedisLeaseBackend(client, url, opts.prefix ?? 'csmp-hil');
    // Without a listener ioredis' connection errors would be unhandled 'error' events.
    client.on('error', (e: Error) => {
      backend.lastError = e.message;
    });
    try {
      await client.connect();
    } catch (e) {
      client.disconnect();
      throw new ResourceError(backend.where, 'unavailable', `cannot connect: ${backend.lastError ?? (e as Error).message}`, { cause: e });
    }
    return backend;
  }

  async take(record: LeaseRecord): Promise<TakeResult> {
    const [lease, last] = this.keys(record.key);
    const json = JSON.stringify(record);
    const [ok, other] = (await this.client.eval(ACQUIRE, 2, lease, last, json, record.ttlMs, record.ttlMs + KEEP_LAST_MS)) as [number, string | null];
    if (ok === 1) {
      const prev = other ? parse(other) : undefined;
      // A `last` record with another token: its holder neither released nor renewed the lease.
      if (prev && prev.token !== record.token) return { taken: true, previous: { record: prev, reason: `its lease expired at ${prev.expires} without being released` } };
      return { taken: true };
    }
    const holder = other ? parse(other) : undefined;
    if (!holder) throw new ResourceError(record.label, 'state', `lease ${lease} holds an unreadable record`);
    return { taken: false, holder, selfHeld: false };
  }

  async renew(record: LeaseRecord): Promise<boolean> {
    const [lease, last] = this.keys(record.key);
    const n = await this.client.eval(RENEW, 2, lease, last, record.token, JSON.stringify(record), record.ttlMs, record.ttlMs + KEEP_LAST_MS);
    return n === 1;
  }

  async drop(record: LeaseRecord): Promise<void> {
    const [lease, last] = this.keys(record.key);
    await this.client.eval(RELEASE, 2, lease, last, record.token);
  }

  async list(): Promise<LeaseState[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.client.scan(cursor, 'MATCH', `${this.prefix}:{*}:*`, 'COUNT', 500);
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
      const lease = e.lease ? await this.client.get(e.lease) : null;
      if (lease) {
        const record = parse(lease);
        if (record) out.push({ record, live: true });
        continue;
      }
      const last = e.last ? await this.client.get(e.last) : null;
      const record = last ? parse(last) : undefined;
      if (record) out.push({ record: { ...record, key }, live: false, why: `its lease expired at ${record.expires} without being released` });
    }
    return out;
  }

  async remove(key: string, force: boolean): Promise<ReleaseOutcome> {
    const [leaseKey, lastKey] = this.keys(key);
    const lease = await this.client.get(leaseKey);
    if (lease) {
      const record = parse(lease);
      if (!force) return { released: false, reason: 'its holder is alive (use --force to free it anyway)', ...(record ? { record } : {}) };
      await this.client.del(leaseKey, lastKey);
      return record ? { released: true, record, forced: true } : { released: false, reason: 'unreadable lease record removed' };
    }
    const last = await this.client.get(lastKey);
    const record = last ? parse(last) : undefined;
    if (!record) return { released: false, reason: `no lease on ${key} in ${this.where}` };
    await this.client.del(lastKey);
    return { released: true, record, forced: false };
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
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
