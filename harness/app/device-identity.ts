/**
 * Who a device says it is and what it runs, asked through the NMS before a certification run:
 * GET DeviceID (TLV 2) and FirmwareImageInfo (TLV 75), the running slot's SHA-256 against the
 * image under test. A device that does not answer, or runs another image, fails the certification.
 */
import { toHex } from '../../core/bytes.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { DeviceSpec } from '../config/rig.js';
import type { DeviceEvidence } from '../evidence/statement.js';
import type { ClientAnswer } from '../nms/client.js';
import { runningImage } from '../nms/firmware-image.js';
import { normaliseEui64 } from '../nms/registration.js';
import type { OpenedBench } from './open-bench.js';

export async function deviceIdentity(b: OpenedBench, d: DeviceSpec, imageSha256: string, timeoutMs = 5000): Promise<DeviceEvidence> {
  const ev: DeviceEvidence = { name: d.name, eui64: d.eui64.toUpperCase(), hwId: d.expected.hwId, runsImage: false };
  const ask = async (tlv: number): Promise<ClientAnswer | string> => {
    try {
      const a = await b.nms.client.get(d.name, tlv, { timeoutMs: b.bench.toClockMs(timeoutMs) });
      return a.code.startsWith('2.') ? a : `GET ${tlv} answered ${a.code}`;
    } catch (e) {
      return `GET ${tlv}: ${(e as Error).message}`;
    }
  };
  const id = await ask(TLV.DeviceID);
  if (typeof id === 'string') return { ...ev, problem: id };
  const eid = id.tlvs.find((t) => t.type === TLV.DeviceID)?.value?.['id'];
  if (typeof eid === 'string') ev.reportedEui64 = normaliseEui64(eid);
  const fw = await ask(TLV.FirmwareImageInfo);
  if (typeof fw === 'string') return { ...ev, problem: fw };
  const image = runningImage(fw.tlvs.filter((t) => t.type === TLV.FirmwareImageInfo).map((t) => t.value ?? {}));
  if (typeof image.hwId === 'string') ev.reportedHwId = image.hwId;
  if (typeof image.version === 'string') ev.reportedVersion = image.version;
  const hash = image.slot?.['fileHash'];
  if (hash instanceof Uint8Array) ev.reportedImageSha256 = toHex(hash);
  ev.runsImage = ev.reportedImageSha256 === imageSha256;
  if (!image.slot) ev.problem = 'FirmwareImageInfo has no running slot';
  else if (!ev.runsImage) ev.problem = `runs the image with SHA-256 ${ev.reportedImageSha256 ?? '(none reported)'}${ev.reportedVersion ? ` (version ${ev.reportedVersion})` : ''}, not the image under test (${imageSha256})`;
  else if (ev.reportedEui64 !== undefined && ev.reportedEui64 !== ev.eui64) ev.problem = `answers with DeviceID ${ev.reportedEui64}, but the rig says ${ev.eui64}`;
  return ev;
}
