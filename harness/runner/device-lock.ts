/**
 * One lease per device under test, named by its EUI-64 (the board's identity, whatever rig file names
 * it), so two runs — on one host or, with a Redis store, on several — never drive the same board.
 * The store (lock files by default, Redis when the rig says `locks: redis://…`) is given by the
 * composition root; a held device is a ResourceError naming its holder, a dead holder's lease is
 * taken over and the takeover is reported as a note.
 */
import type { DeviceSpec } from '../config/rig.js';
import { deviceLeaseKey, type HeldLeases, type LeaseRecord, type LeaseStore, type LeaseTakeover } from '../../core/lease.js';

export class DeviceLocks {
  private constructor(private readonly held: HeldLeases) {}

  static async acquire(store: LeaseStore, rigName: string, devices: readonly DeviceSpec[]): Promise<DeviceLocks> {
    const held = await store.acquire(devices.map((d) => ({ key: deviceLeaseKey(d.eui64), label: `device ${d.name} (rig ${rigName})` })));
    return new DeviceLocks(held);
  }

  get takeovers(): readonly LeaseTakeover[] {
    return this.held.takeovers;
  }

  onLost(listener: (record: LeaseRecord, why: string) => void): void {
    this.held.onLost(listener);
  }

  /** Idempotent; frees only leases this run still holds. */
  release(): Promise<void> {
    return this.held.release();
  }
}
