/**
 * The lease store a rig asks for: `redis://host:6379` (or rediss://) for several hosts, a folder
 * (`file:/var/lock/hil` or an absolute path) for one host, nothing for the default lock folder.
 */
import { ConfigError } from '../../core/errors.js';
import type { LeaseStore } from '../../core/lease.js';
import { defaultLockDir, FileLeaseBackend } from './file-backend.js';
import { BackedLeaseStore, type LeaseStoreOptions } from './lease-store.js';
import { RedisLeaseBackend } from './redis-backend.js';

export interface LeaseStoreSpec extends LeaseStoreOptions {
  /** redis://…, rediss://…, file:DIR or an absolute folder; default: the local lock folder. */
  url?: string;
  /** Redis key prefix. */
  prefix?: string;
}

export function isRedisUrl(url: string): boolean {
  return /^rediss?:\/\//i.test(url);
}

export async function openLeaseStore(spec: LeaseStoreSpec = {}): Promise<LeaseStore> {
  const { url, prefix, ...opts } = spec;
  if (url === undefined) return new BackedLeaseStore(new FileLeaseBackend(defaultLockDir()), opts);
  if (isRedisUrl(url)) return new BackedLeaseStore(await RedisLeaseBackend.connect(url, prefix ? { prefix } : {}), opts);
  const dir = url.startsWith('file:') ? url.slice('file:'.length).replace(/^\/\/(?=\/)/, '') : url;
  if (!dir.startsWith('/')) throw new ConfigError('locks', 'value', `'${url}' is not redis://host:port, rediss://…, file:/folder or an absolute folder`);
  return new BackedLeaseStore(new FileLeaseBackend(dir), opts);
}

/** The default store, created without I/O: for drivers that need one before anything is configured. */
export function localLeaseStore(dir = defaultLockDir(), opts: LeaseStoreOptions = {}): LeaseStore {
  return new BackedLeaseStore(new FileLeaseBackend(dir), opts);
}
