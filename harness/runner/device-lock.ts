/**
 * One lease per device under test, named by its EUI-64 (the board's identity, whatever rig file names
 * it), so two runs — on one host or, with a Redis store, on several — never drive the same board.
 * The store (lock files by default, Redis when the rig says `locks: redis://…`) is given by the
 * composition root; a held device is a ResourceError naming its holder, a dead holder's lease is
 * taken over and the takeover is reported as a note.
 *
 * A lease can be lost while the run holds it (released by force, expired while the store could not
 * be reached, a store that lost its data): another run may then take the device. Each device's
 * losses are kept, so the runner can tell whether a test ran entirely under the lease (lostSince)
 * and take the lease again before the device's next test (retake).
 */
import type { DeviceSpec } from '../config/rig.js';
import { deviceLeaseKey, type HeldLeases, type LeaseRecord, type LeaseStore, type LeaseTakeover, type UnreleasedLease } from '../../core/lease.js';

/** A device's lease found lost: when (ms since the epoch) and why. */
export interface LeaseLoss {
  at: number;
  why: string;
}

interface DeviceLease {
  key: string;
  label: string;
  /** The set holding the lease now; undefined once lost (until taken again). */
  held: HeldLeases | undefined;
  losses: LeaseLoss[];
}

export class DeviceLocks {
  private readonly sets: HeldLeases[] = [];
  private readonly byName = new Map<string, DeviceLease>();
  private readonly byKey = new Map<string, DeviceLease>();
  private readonly listeners: ((record: LeaseRecord, why: string, at: number) => void)[] = [];

  private constructor(
    private readonly store: LeaseStore,
    held: HeldLeases,
    devices: readonly { name: string; key: string; label: string }[],
  ) {
    for (const d of devices) {
      const lease: DeviceLease = { key: d.key, label: d.label, held, losses: [] };
      this.byName.set(d.name, lease);
      this.byKey.set(d.key, lease);
    }
    this.watch(held);
    this.takeovers = held.takeovers;
  }

  /** Leases of dead holders taken over by the first acquisition. */
  readonly takeovers: readonly LeaseTakeover[];

  static async acquire(store: LeaseStore, rigName: string, devices: readonly DeviceSpec[]): Promise<DeviceLocks> {
    const requests = devices.map((d) => ({ name: d.name, key: deviceLeaseKey(d.eui64), label: `device ${d.name} (rig ${rigName})` }));
    const held = await store.acquire(requests.map(({ key, label }) => ({ key, label })));
    return new DeviceLocks(store, held, requests);
  }

  onLost(listener: (record: LeaseRecord, why: string, at: number) => void): void {
    this.listeners.push(listener);
  }

  /** How many times `device` lost its lease so far: a mark for lostSince. */
  losses(device: string): number {
    return this.byName.get(device)?.losses.length ?? 0;
  }

  /**
   * Renews the device's lease now and says whether it was lost after `mark` (losses(device) taken
   * before): the test that ran meanwhile did not run entirely under the lease.
   */
  async lostSince(device: string, mark: number): Promise<LeaseLoss | undefined> {
    const d = this.byName.get(device);
    if (!d) return undefined;
    await d.held?.check().catch(() => {});
    return d.losses[mark];
  }

  /** The loss that left `device` without its lease, after renewing it now; undefined while it is held. */
  async lost(device: string): Promise<LeaseLoss | undefined> {
    const d = this.byName.get(device);
    if (!d) return undefined;
    await d.held?.check().catch(() => {});
    return d.held ? undefined : d.losses.at(-1);
  }

  /**
   * Takes the device's lease again after a loss; resolves with the leases of dead holders it took
   * over, rejects (a ResourceError naming the holder, or the store's failure) when it cannot.
   */
  async retake(device: string): Promise<readonly LeaseTakeover[]> {
    const d = this.byName.get(device);
    if (!d || d.held) return [];
    const held = await this.store.acquire([{ key: d.key, label: d.label }]);
    this.watch(held);
    d.held = held;
    return held.takeovers;
  }

  /** Idempotent; frees only leases this run still holds, and says which it could not free. */
  async release(opts: { signal?: AbortSignal } = {}): Promise<readonly UnreleasedLease[]> {
    return (await Promise.all(this.sets.map((s) => s.release(opts)))).flat();
  }

  private watch(held: HeldLeases): void {
    this.sets.push(held);
    held.onLost((record, why, at) => {
      const d = this.byKey.get(record.key);
      if (d && d.held === held) {
        d.held = undefined;
        d.losses.push({ at, why });
      }
      for (const l of this.listeners) l(record, why, at);
    });
  }
}
