/**
 * The cheap before/after snapshot crash-class.ts judges: one GET /c?q=22,7,45 (Uptime, SessionID,
 * CGMSStats). A device that does not answer gives no
 * snapshot: the liveness probe that follows decides between crashed and hung.
 */
import type { DeviceSpec } from '../config/rig.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { Bench } from './bench.js';
import type { DeviceSnapshot } from './crash-class.js';

/** The snapshot in a GET's answer: whichever of Uptime, SessionID and CGMSStats it carries. */
export function snapshotOf(tlvs: readonly { type: number; value?: Readonly<Record<string, unknown>> }[], at: number, answeredAt: number): DeviceSnapshot {
  const snap: DeviceSnapshot = { at, answeredAt };
  const field = (type: number) => tlvs.find((t) => t.type === type)?.value;
  const up = field(TLV.Uptime)?.['sysUpTime'];
  if (typeof up === 'number') snap.uptimeS = up;
  const sid = field(TLV.SessionID)?.['id'];
  if (typeof sid === 'string') snap.sessionId = sid;
  const stats = field(TLV.CGMSStats);
  if (stats) snap.stats = Object.fromEntries(Object.entries(stats).filter((e): e is [string, number] => typeof e[1] === 'number'));
  return snap;
}

/**
 * Uptime (s) a baseline needs. A reboot shows as Uptime falling behind the time that passed, within
 * crash-class.ts's slack (2 s, 2 % of long tests); a device only just booted (by the test before,
 * which asked it to) that reboots again at once would stay inside it, passing by luck. Enough for
 * tests up to about 250 s of device time.
 */
export const BASELINE_MIN_UPTIME_S = 5;

/**
 * A baseline snapshot of a device that has been up long enough to see a reboot by: a younger one
 * is read again once its Uptime will have reached BASELINE_MIN_UPTIME_S (rig time), at most twice
 * (a device rebooting in a loop stays young; its baseline is then taken as it is).
 */
export async function baselineSnapshot(bench: Bench, device: DeviceSpec, timeoutMs: number): Promise<DeviceSnapshot | undefined> {
  let snap = await snapshotDevice(bench, device, timeoutMs);
  for (let i = 0; i < 2 && snap?.uptimeS !== undefined && snap.uptimeS < BASELINE_MIN_UPTIME_S; i++) {
    const waitMs = (BASELINE_MIN_UPTIME_S - snap.uptimeS) * 1000 + 500;
    await new Promise<void>((resolve) => bench.clock.setTimeout(resolve, waitMs));
    snap = await snapshotDevice(bench, device, timeoutMs);
  }
  return snap;
}

export async function snapshotDevice(bench: Bench, device: DeviceSpec, timeoutMs: number): Promise<DeviceSnapshot | undefined> {
  const at = bench.clock.now();
  try {
    const a = await bench.sources.around(device.name, () =>
      bench.nms.client.get(device.name, [TLV.Uptime, TLV.SessionID, TLV.CGMSStats], { timeoutMs: bench.toClockMs(timeoutMs) }),
    );
    if (a.code !== '2.05') return undefined;
    return snapshotOf(a.tlvs, at, bench.clock.now());
  } catch {
    return undefined;
  }
}
