/**
 * The lease store a rig asks for: `redis://host:6379` (or rediss://) for several hosts, a folder
 * (`file:/var/lock/hil` or an absolute path) for one host, nothing for the default lock folder.
 */
import { ConfigError } from '../../core/errors.js';
import type { LeaseStore } from '../../core/lease.js';
import { defaultLockDir, FileLeaseBackend } from './file-backend.js';
import { BackedLeaseStore, DEFAULT_LEASE_TTL_MS, type LeaseStoreOptions } from './lease-store.js';
import { DEFAULT_REDIS_TIMEOUT_MS, RedisLeaseBackend } from './redis-backend.js';

export interface LeaseStoreSpec extends LeaseStoreOptions {
  /** redis://…, rediss://…, file:DIR or an absolute folder; default: the local lock folder. */
  url?: string;
  /** Redis key prefix. */
  prefix?: string;
  /** Redis: longest wait to connect and for each answer; default redisTimeoutFor(ttl). */
  timeoutMs?: number;
}

/**
 * A third of the lease's TTL (renewals come that often, so one never waits past the next), at
 * least 1 s and at most 5 s: 5 s for the default 30 s lease, 1 s for a 3 s one.
 */
export function redisTimeoutFor(ttlMs: number): number {
  return Math.min(DEFAULT_REDIS_TIMEOUT_MS, Math.max(1000, Math.floor(ttlMs / 3)));
}

export function isRedisUrl(url: string): boolean {
  return /^rediss?:\/\//i.test(url);
}

export async function openLeaseStore(spec: LeaseStoreSpec = {}): Promise<LeaseStore> {
  const { url, prefix, timeoutMs, ...opts } = spec;
  if (url === undefined) return new BackedLeaseStore(new FileLeaseBackend(defaultLockDir()), opts);
  if (isRedisUrl(url)) {
    const backend = await RedisLeaseBackend.connect(url, { ...(prefix ? { prefix } : {}), timeoutMs: timeoutMs ?? redisTimeoutFor(opts.ttlMs ?? DEFAULT_LEASE_TTL_MS) });
    return new BackedLeaseStore(backend, opts);
  }
  const dir = url.startsWith('file:') ? url.slice('file:'.length).replace(/^\/\/(?=\/)/, '') : url;
  if (!dir.startsWith('/')) throw new ConfigError('locks', 'value', `'${url}' is not redis://host:port, rediss://…, file:/folder or an absolute folder`);
  return new BackedLeaseStore(new FileLeaseBackend(dir), opts);
}

/** The default store, created without I/O: for drivers that need one before anything is configured. */
export function localLeaseStore(dir = defaultLockDir(), opts: LeaseStoreOptions = {}): LeaseStore {
  return new BackedLeaseStore(new FileLeaseBackend(dir), opts);
}
