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
