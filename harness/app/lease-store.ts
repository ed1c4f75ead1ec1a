/**
 * Which lease store a run uses: the rig's `locks` (Redis for a lab of several hosts, or a lock
 * folder), else lock files in the system temp folder for a hardware rig, and none for the virtual
 * rig unless it asks (its boards and ports belong to this run alone).
 *
 * A run waits on its store twice outside its tests: connecting at start-up and releasing at the
 * end. Both are bounded by the store (Redis: redisTimeoutFor the TTL) and both give way to a stop:
 * a signal then ends the run at once instead of after a server that does not answer.
 */
import type { LeaseStore } from '../../core/lease.js';
import { localLeaseStore, openLeaseStore } from '../../drivers/lease/open-lease-store.js';
import type { Rig } from '../config/rig.js';
import { Stopped, type ProcessStop } from './process-stop.js';

export async function leaseStoreFor(rig: Rig): Promise<LeaseStore | undefined> {
  if (rig.locks) {
    return openLeaseStore({
      url: rig.locks.url,
      ...(rig.locks.ttlMs !== undefined ? { ttlMs: rig.locks.ttlMs } : {}),
      ...(rig.locks.prefix !== undefined ? { prefix: rig.locks.prefix } : {}),
    });
  }
  return rig.virtual ? undefined : localLeaseStore();
}

/**
 * leaseStoreFor, unless the process is stopped first: then Stopped at once (a store connected
 * after that is closed again). None when it was stopped before: a stopped run touches no device.
 * ConfigError and ResourceError as leaseStoreFor.
 */
export async function leaseStoreUnlessStopped(rig: Rig, stop: ProcessStop): Promise<LeaseStore | undefined | Stopped> {
  if (stop.signal.aborted) return undefined;
  const opening = leaseStoreFor(rig);
  try {
    return await stop.until(opening);
  } catch (e) {
    if (!(e instanceof Stopped)) throw e;
    opening.then((s) => s?.close(), () => {});
    return e;
  }
}

/**
 * Closes a run's store, its remaining leases released first; a stop during that (the first
 * signal, or the second when the run was already stopping) ends the wait. Returns a line for each
 * lease that could not be freed: nobody renews it, so it lapses at its expiry.
 */
export async function closeLeaseStore(store: LeaseStore, stop: ProcessStop): Promise<string[]> {
  const signal = stop.signal.aborted ? stop.force : stop.signal;
  const left = await store.close({ signal });
  return left.map((u) => `lease on ${u.record.label} not released (${u.why}); nobody renews it, it lapses at ${u.record.expires}`);
}
