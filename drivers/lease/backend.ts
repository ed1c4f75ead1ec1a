/**
 * What a place that keeps leases must do, one key at a time. BackedLeaseStore (lease-store.ts)
 * builds the all-or-none acquisition, the renewal and the refusal messages on top, so the lock-file
 * and Redis backends only differ in how they store a record atomically.
 */
import type { LeaseRecord, LeaseState, ReleaseOutcome } from '../../core/lease.js';

export type TakeResult =
  | { taken: true; previous?: { record: LeaseRecord; reason: string } }
  | { taken: false; holder: LeaseRecord; selfHeld: boolean };

export interface LeaseBackend {
  readonly where: string;
  /** Stores `record` unless a live holder has the key; a dead holder's record is replaced and returned. */
  take(record: LeaseRecord): Promise<TakeResult>;
  /** Extends the lease to `record.expires`; false when the key is no longer held with this token. */
  renew(record: LeaseRecord): Promise<boolean>;
  /** Removes the lease if it still carries this token. */
  drop(record: LeaseRecord): Promise<void>;
  /** Synchronous best effort at process exit (only a local backend can). */
  dropAtExit?(record: LeaseRecord): void;
  list(): Promise<LeaseState[]>;
  remove(key: string, force: boolean): Promise<ReleaseOutcome>;
  close(): Promise<void>;
}
