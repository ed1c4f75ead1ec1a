/** The device's own clock, which a LoadRequest's load time is written in. */
import { TLV } from '../../csmp/tlv-ids.js';
import { deviceNowSec } from './reboot.js';
import type { RolloutDeps } from './upload.js';

/** The device's clock in POSIX seconds: its CurrentTime (TLV 18), else the NMS clock corrected by what it last reported. */
export async function deviceClock(deps: RolloutDeps, device: string, timeoutMs: number): Promise<number> {
  try {
    const a = await deps.nms.client.get(device, TLV.CurrentTime, { timeoutMs });
    const posix = a.tlvs.find((t) => t.type === TLV.CurrentTime)?.value?.['posix'];
    if (typeof posix === 'number') return posix;
  } catch {
    // Fall back to the offset the NMS knows.
  }
  return deviceNowSec(deps, device);
}
