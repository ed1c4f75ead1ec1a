/**
 * Is the device behind a link still the one the rig names, after the link came back? A USB dongle
 * found again by its serial number, or a by-id path that now points elsewhere, could be another
 * radio; a different EUI-64 answering GET DeviceID (TLV 2) means the tests would judge the wrong
 * device. The guard asks each of the link's devices once the link is up again, and refuses a device
 * whose identity changed: `refusal(name)` says why, and the run (not here) skips its tests.
 *
 * A device that does not answer is not refused: silence proves nothing about identity, and the
 * health check that follows a reconnect reports it.
 */
import { EventEmitter } from 'node:events';
import type { NmsClient } from './client.js';
import { CoapTimeoutError } from '../coap/errors.js';
import { normaliseEui64 } from './registration.js';

export type IdentityOutcome = 'same' | 'changed' | 'unanswered';

export interface IdentityVerdict {
  device: string;
  outcome: IdentityOutcome;
  expected: string;
  got?: string;
  /** One line for logs and reports. */
  message: string;
}

/** Reads a device's EUI-64 over the air; undefined when it did not say. */
export type DeviceIdReader = (device: string) => Promise<string | undefined>;

export interface GuardedDevice {
  name: string;
  eui64: string;
  link: string;
}

/** GET DeviceID through the NMS client; undefined on timeout, an error answer or no TLV 2. */
export function deviceIdReader(client: Pick<NmsClient, 'get'>, timeoutMs: number): DeviceIdReader {
  return async (device) => {
    try {
      const a = await client.get(device, 2, { timeoutMs });
      if (!a.code.startsWith('2.')) return undefined;
      const id = a.tlvs.find((t) => t.type === 2)?.value?.['id'];
      return typeof id === 'string' ? normaliseEui64(id) : undefined;
    } catch (e) {
      if (e instanceof CoapTimeoutError) return undefined;
      throw e;
    }
  };
}

/**
 * Events: 'verdict' (IdentityVerdict) after every check; 'refused' (IdentityVerdict) when a device's
 * identity changed.
 */
export class IdentityGuard extends EventEmitter {
  private readonly refused = new Map<string, IdentityVerdict>();
  private readonly watched: { link: EventEmitter; onUp: () => void }[] = [];

  constructor(
    private readonly devices: readonly GuardedDevice[],
    private readonly readId: DeviceIdReader,
  ) {
    super();
  }

  /**
   * Checks the devices of `linkName` each time `link` comes up again. Call once the link is open:
   * the devices' identity at the start is the preflight's to check (hil check).
   */
  watch(linkName: string, link: EventEmitter): void {
    const onUp = (): void => void this.checkLink(linkName);
    link.on('up', onUp);
    this.watched.push({ link, onUp });
  }

  /** Why `device` must not be tested, if it is refused. */
  refusal(device: string): IdentityVerdict | undefined {
    return this.refused.get(device);
  }

  async checkLink(linkName: string): Promise<IdentityVerdict[]> {
    return Promise.all(this.devices.filter((d) => d.link === linkName).map((d) => this.check(d.name)));
  }

  async check(name: string): Promise<IdentityVerdict> {
    const d = this.devices.find((x) => x.name === name);
    if (!d) throw new RangeError(`no device '${name}' is guarded`);
    const expected = normaliseEui64(d.eui64);
    let got: string | undefined;
    try {
      got = await this.readId(name);
    } catch (e) {
      return this.settle({ device: name, outcome: 'unanswered', expected, message: `${name}: DeviceID not read: ${(e as Error).message}` });
    }
    if (got === undefined) return this.settle({ device: name, outcome: 'unanswered', expected, message: `${name}: did not tell its DeviceID; identity not confirmed` });
    if (got === expected) return this.settle({ device: name, outcome: 'same', expected, got, message: `${name}: DeviceID ${got} as the rig says` });
    return this.settle({
      device: name,
      outcome: 'changed',
      expected,
      got,
      message: `${name}: refused: DeviceID ${got} answers where the rig says ${expected}: another device came back on link ${d.link}`,
    });
  }

  stop(): void {
    for (const w of this.watched) w.link.off('up', w.onUp);
    this.watched.length = 0;
  }

  private settle(v: IdentityVerdict): IdentityVerdict {
    if (v.outcome === 'changed') this.refused.set(v.device, v);
    // A device refused once stays refused: the rig must be fixed, not the run talked round.
    this.emit('verdict', v);
    if (v.outcome === 'changed') this.emit('refused', v);
    return v;
  }
}
