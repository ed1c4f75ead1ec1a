/**
 * Which lease store a run uses: the rig's `locks` (Redis for a lab of several hosts, or a lock
 * folder), else lock files in the system temp folder for a hardware rig, and none for the virtual
 * rig unless it asks (its boards and ports belong to this run alone).
 */
import type { LeaseStore } from '../../core/lease.js';
import { localLeaseStore, openLeaseStore } from '../../drivers/lease/open-lease-store.js';
import type { Rig } from '../config/rig.js';

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
