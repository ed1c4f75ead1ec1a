/**
 * After a LoadRequest: when the device reboots and registers again, and what it then runs.
 * Nothing here assumes a time: the reference agent arms its load timer as a trickle timer with
 * both bounds equal to the delay, so it fires anywhere between half and twice the delay
 * (csmp-protocol.md 6.7), and a draft-conformant device loads at the load time itself. The NMS
 * waits for the registration, then asks the device how long it has been up.
 */
import { TLV } from '../../csmp/tlv-ids.js';
import { firmwareSlots, type FirmwareSlotInfo } from './slots.js';
import type { RolloutDeps } from './upload.js';

export interface Reregistration {
  device: string;
  /** Clock ms of the registration the NMS answered. */
  registeredAt: number;
  /**
   * Clock ms the device booted at the latest, from its Uptime (TLV 22) read right after (answer
   * time minus Uptime); absent when it did not answer. A slow answer moves it later, never earlier.
   */
  bootedAt?: number;
  /** Clock ms it booted at the earliest (the GET's sending minus Uptime and its rounding second). */
  bootedAfter?: number;
  /** The FirmwareImageInfo rows of that registration. */
  slots: FirmwareSlotInfo[];
}

/** The device's clock now, as the NMS last saw it (its CurrentTime against the NMS clock), in POSIX seconds. */
export function deviceNowSec(deps: RolloutDeps, device: string): number {
  const offset = deps.nms.devices.require(device).clockOffsetS ?? 0;
  return Math.floor(deps.clock.now() / 1000) + offset;
}

/** Where the reference agent's load timer may fire for a load `delaySec` ahead, as clock ms from `sentAt`. */
export function loadWindow(sentAt: number, delaySec: number): { earliest: number; latest: number } {
  return { earliest: sentAt + (delaySec * 1000) / 2, latest: sentAt + delaySec * 2000 };
}

/**
 * Waits for the device's next registration after event `since` (NmsEvents.mark()), for at most
 * `timeoutMs` of clock time; rejects with EventTimeoutError when none comes.
 */
export async function waitForRegistration(deps: RolloutDeps, device: string, opts: { since: number; timeoutMs: number; uptimeTimeoutMs?: number; notBefore?: number }): Promise<Reregistration> {
  const { nms, clock } = deps;
  const deadline = clock.now() + opts.timeoutMs;
  let e = await nms.events.waitForEvent('registrationRequest', opts.timeoutMs, { device, since: opts.since });
  // A registration before `notBefore` (clock ms) is not the one asked for: a resent /r of the boot
  // before, answered while the image was still going out, would read as "came back on the old image".
  while (opts.notBefore !== undefined && e.at < opts.notBefore) e = await nms.events.waitForEvent('registrationRequest', Math.max(1, deadline - clock.now()), { device, since: e.seq });
  const rec = nms.devices.require(device);
  const out: Reregistration = { device: rec.device.name, registeredAt: e.at, slots: firmwareSlots(rec.lastRegistration ?? []) };
  const boot = await readBoot(deps, device, opts.uptimeTimeoutMs ?? 10_000);
  if (boot) {
    out.bootedAt = boot.latest;
    out.bootedAfter = boot.earliest;
  }
  return out;
}

/**
 * When the device booted, bracketed by one GET of Uptime: the device read its Uptime (whole
 * seconds) somewhere between the GET's sending and its answer, so the boot lies between the
 * sending minus Uptime and a second, and the answer minus Uptime. Intersecting several reads
 * tightens it; undefined when the device did not answer (registered but silent to a GET: the
 * registration alone still says what it runs).
 */
export async function readBoot(deps: RolloutDeps, device: string, timeoutMs: number): Promise<{ earliest: number; latest: number; uptimeS: number } | undefined> {
  const { nms, clock } = deps;
  const asked = clock.now();
  try {
    const a = await nms.client.get(device, TLV.Uptime, { timeoutMs });
    const up = a.tlvs.find((t) => t.type === TLV.Uptime)?.value?.['sysUpTime'];
    if (a.code !== '2.05' || typeof up !== 'number') return undefined;
    return { earliest: asked - (up + 1) * 1000, latest: clock.now() - up * 1000, uptimeS: up };
  } catch {
    return undefined;
  }
}
