/**
 * `hil upgrade` as a function, on an opened bench: push an image to one device or to a firmware
 * group (harness/nms/transfer/upload.ts), optionally load it and wait for every device to come
 * back registered, then read what each runs. Group members not in the group are moved into it
 * first with a GroupAssign, as FND does.
 */
import { sameBytes } from '../../core/bytes.js';
import { TLV } from '../csmp/tlv-ids.js';
import { cancelLoad, requestLoad, type FirmwareAnswer } from '../nms/transfer/commands.js';
import type { TransferEvent } from '../nms/transfer/events.js';
import type { FirmwareImage } from '../nms/transfer/image.js';
import { lineRate } from '../nms/transfer/line-rate.js';
import { deviceClock } from '../nms/transfer/device-clock.js';
import { waitForRegistration, type Reregistration } from '../nms/transfer/reboot.js';
import { readFirmwareSlots, runningSlot, type FirmwareSlotInfo } from '../nms/transfer/slots.js';
import { uploadImage, type RolloutDeps, type UploadResult } from '../nms/transfer/upload.js';
import type { OpenedBench } from './open-bench.js';

export { lineRate };

/** When to load: as soon as the device allows, at a POSIX second of its clock, or after a delay. */
export type LoadWhen = { kind: 'now' } | { kind: 'at'; posixSec: number } | { kind: 'in'; ms: number };

/**
 * "Now" for a device whose load timer needs a future time (the reference agent refuses the
 * draft's 1 = now with 6): this many device seconds ahead, so it loads within 5-20 s.
 */
export const LOAD_NOW_DELAY_S = 10;
/** Device seconds a device may take to register after its reboot (reference retries: 10-20 s, doubling). */
const REGISTRATION_ALLOWANCE_S = 300;

export interface UpgradeOptions {
  devices: readonly string[];
  image: FirmwareImage;
  load?: LoadWhen;
  group?: { id: number; address: string };
  blockHashBytes?: number;
  signal?: AbortSignal;
  onEvent?: (e: TransferEvent) => void;
  /** Status lines for the person watching (GroupAssign sent, load scheduled, registered again). */
  onLine?: (line: string) => void;
}

export interface DeviceLoad {
  device: string;
  answer: FirmwareAnswer;
  reregistration?: Reregistration;
  /** What went wrong after an accepted load, when something did. */
  problem?: string;
}

export interface UpgradeOutcome {
  upload: UploadResult;
  loads: DeviceLoad[];
  /** Each device's FirmwareImageInfo at the end (absent when it did not answer). */
  slots: Map<string, FirmwareSlotInfo[]>;
  ok: boolean;
}

export async function upgrade(b: OpenedBench, o: UpgradeOptions): Promise<UpgradeOutcome> {
  const { nms, clock } = b.bench;
  const deps: RolloutDeps = { nms, clock };
  const line = (s: string): void => o.onLine?.(s);
  const timeoutMs = b.bench.toClockMs(10_000);
  if (o.group) for (const d of o.devices) await joinGroup(b, d, o.group.id, line);

  const rate = lineRate(b.rig.links, b.rig.devices.find((d) => d.name === o.devices[0])?.link);
  const upload = await uploadImage(deps, o.image, { devices: o.devices, ...(o.group ? { group: o.group } : {}) }, {
    ...(rate !== undefined ? { lineRate: rate } : {}),
    requestTimeoutMs: timeoutMs,
    ...(o.blockHashBytes !== undefined ? { blockHashBytes: o.blockHashBytes } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
  });

  const loads: DeviceLoad[] = [];
  const when = o.load;
  if (when && !o.signal?.aborted) {
    const ready = upload.devices.filter((d) => d.status === 'complete').map((d) => d.device);
    loads.push(...(await Promise.all(ready.map((d) => loadOne(deps, b, d, o.image, when, timeoutMs, line)))));
  }

  const slots = new Map<string, FirmwareSlotInfo[]>();
  for (const d of o.devices) {
    try {
      slots.set(d, await readFirmwareSlots(nms.client, d, { timeoutMs }));
    } catch {
      // Reported as missing: the caller says the device did not answer.
    }
  }
  const loadedOk = !when || (loads.length === upload.devices.filter((d) => d.status === 'complete').length && loads.every((l) => l.answer.ok && !l.problem));
  return { upload, loads, slots, ok: upload.ok && loadedOk && !o.signal?.aborted };
}

async function joinGroup(b: OpenedBench, device: string, id: number, line: (s: string) => void): Promise<void> {
  const client = b.nms.client;
  const timeoutMs = b.bench.toClockMs(10_000);
  const a = await client.get(device, TLV.GroupInfo, { timeoutMs });
  const now = a.tlvs.find((t) => t.type === TLV.GroupInfo && t.value?.['type'] === 2)?.value?.['id'];
  if (now === id) return;
  const assigned = await client.post(device, [{ type: TLV.GroupAssign, fields: { type: 2, id } }], { timeoutMs });
  line(`${device}: firmware group ${now ?? 'none'} → ${id} (GroupAssign answered ${assigned.code})`);
}

async function loadOne(deps: RolloutDeps, b: OpenedBench, device: string, image: FirmwareImage, when: LoadWhen, timeoutMs: number, line: (s: string) => void): Promise<DeviceLoad> {
  const { nms } = deps;
  const now = await deviceClock(deps, device, timeoutMs);
  const loadTime = when.kind === 'at' ? when.posixSec : now + (when.kind === 'now' ? LOAD_NOW_DELAY_S : Math.ceil(when.ms / 1000));
  const since = nms.events.mark();
  const answer = await requestLoad(nms.client, device, image.hash, loadTime, { timeoutMs });
  if (!answer.ok) return { device, answer };
  const delay = Math.max(1, loadTime - now);
  line(`${device}: load scheduled for ${new Date(loadTime * 1000).toISOString()} (device clock); waiting for it to reboot and register`);
  try {
    // The reboot for the load comes at its load time: nothing registered a second or more before it is that reboot.
    const notBefore = deps.clock.now() + (delay - 1) * 1000;
    const reg = await waitForRegistration(deps, device, { since, timeoutMs: (2 * delay + REGISTRATION_ALLOWANCE_S) * 1000, uptimeTimeoutMs: timeoutMs, notBefore });
    const running = runningSlot(reg.slots);
    line(`${device}: registered again, running ${running?.version ?? 'no image'}`);
    if (!sameBytes(running?.fileHash, image.hash)) return { device, answer, reregistration: reg, problem: `registered again running ${running?.version ?? 'no image'}, not ${image.version}` };
    return { device, answer, reregistration: reg };
  } catch (e) {
    // Do not leave a load armed behind a device that went quiet: it might fire later, unwatched.
    await cancelLoad(nms.client, device, image.hash, { timeoutMs }).catch(() => undefined);
    return { device, answer, problem: `did not register again within ${2 * delay + REGISTRATION_ALLOWANCE_S} s of device time (${(e as Error).message})` };
  }
}
