/**
 * The virtual meter's boot loader: at every boot it checks the image of the running slot before
 * starting it, as a secure boot loader checks the activated image (draft notes 13.1). An image
 * uploaded through CSMP boots when its header parses (version, length, [TPD] CRC), names the
 * slot's hardware id, and its binary does not carry the builder's does-not-boot marker
 * (harness/csmp/image/build.ts). An image the factory programmed has no bytes here and boots.
 *
 * When the running image does not boot, a healthy meter falls back (draft: "a backup image,
 * booted when nothing else boots"): the backup slot if its image boots, else any other stored
 * image that does; FirmwareImageInfo then shows that slot running. `no-fallback-when-image-fails`
 * keeps the meter on the broken image.
 */
import { DecodeError } from '../../../core/errors.js';
import { marksNoBoot } from '../../../harness/csmp/image/build.js';
import { parseImageFile } from '../../../harness/csmp/image/image-file.js';
import { holdsImage } from './firmware.js';
import type { FirmwareSlot, ImageStore } from './platform.js';

export type BootDecision =
  | { boots: true; slots: FirmwareSlot[]; fellBack?: { from: number; to: number; reason: string } }
  | { boots: false; reason: string };

/** Why the image of `slot` would not start, or undefined when it would. */
export function bootFailure(slot: FirmwareSlot, images: ImageStore): string | undefined {
  const bytes = images.read(slot.index);
  if (bytes === undefined) return undefined;
  try {
    const file = parseImageFile(bytes.subarray(0, slot.fileSize ?? bytes.length));
    if (file.header.hwId !== (slot.hwId ?? '')) return `image for hardware '${file.header.hwId}', slot says '${slot.hwId ?? ''}'`;
    if (marksNoBoot(file.binary)) return 'image marked as not booting';
    return undefined;
  } catch (e) {
    if (e instanceof DecodeError) return `image header: ${e.message}`;
    throw e;
  }
}

export function bootLoader(slots: readonly FirmwareSlot[], images: ImageStore, fallback: boolean): BootDecision {
  const running = slots.find((s) => s.isRunning);
  const failure = running ? bootFailure(running, images) : undefined;
  if (!running || failure === undefined) return { boots: true, slots: [...slots] };
  if (!fallback) return { boots: false, reason: `slot ${running.index} (${running.version ?? '?'}) does not boot: ${failure}` };
  const candidates = [...slots.filter((s) => s.isDefault), ...slots.filter((s) => !s.isDefault)].filter((s) => s !== running && holdsImage(s) && s.transfer !== 'download' && s.transfer !== 'bad-hash');
  const next = candidates.find((s) => bootFailure(s, images) === undefined);
  if (!next) return { boots: false, reason: `slot ${running.index} does not boot (${failure}) and no other image does` };
  return {
    boots: true,
    slots: slots.map((s) => ({ ...s, isRunning: s.index === next.index })),
    fellBack: { from: running.index, to: next.index, reason: failure },
  };
}
