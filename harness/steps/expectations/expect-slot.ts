/**
 * `expect-slot: {image, running?, backup?, complete?, slot?}`: some slot of FirmwareImageInfo, read
 * now, holds the image (by version, and by the announced hash for an image the test built) with
 * every property asked for. `complete` compares the slot with what was transferred: hash,
 * version, size, hardware id, and a bitmap with every block marked.
 */
import { sameBytes, toHex } from '../../../core/bytes.js';
import { ConfigError } from '../../../core/errors.js';
import type { ExpectSlotParams } from '../../config/firmware-steps.js';
import { countBlocks } from '../../csmp/image/block-bitmap.js';
import { describeSlot, runningSlot, type FirmwareSlotInfo } from '../../nms/transfer/slots.js';
import type { StepOutcome } from '../../runner/executor.js';
import { firmwareMemory, lastLoad, type BuiltImage } from '../firmware-memory.js';
import { holds, readSlots, slotLines, versionOf } from '../firmware-steps.js';
import { blameOtherwise, fail } from '../outcome.js';
import type { StepRun } from '../step-run.js';

export async function expectSlot(p: ExpectSlotParams, run: StepRun): Promise<StepOutcome> {
  const { ctx } = run;
  const mem = firmwareMemory(ctx);
  const version = versionOf(run, p.image);
  const built = mem.images.get(version);
  if (p.complete && !built) throw new ConfigError(ctx.test.where, 'value', `expect-slot complete: the test transferred no image ${version}`);
  let index: number | undefined;
  if (p.slot === 'running-before-load') {
    const l = lastLoad(mem);
    const before = l ? runningSlot(l.slotsBefore) : undefined;
    if (!before) throw new ConfigError(ctx.test.where, 'value', 'expect-slot slot running-before-load: no load step before it in this test');
    index = before.index;
  } else if (p.slot !== undefined) {
    index = p.slot;
  }
  const slots = await readSlots(run);
  const wanted = [
    p.running === undefined ? undefined : p.running ? 'running' : 'not running',
    p.backup === undefined ? undefined : p.backup ? 'the backup' : 'not the backup',
    index === undefined ? undefined : `in slot ${index}${p.slot === 'running-before-load' ? ' (where the old image ran before the load)' : ''}`,
    p.complete ? 'complete' : undefined,
  ].filter((x) => x !== undefined);
  const label = `image ${version}${wanted.length ? ` ${wanted.join(', ')}` : ''}`;
  const more = { expected: `a slot holding ${label}`, ...blameOtherwise(p.otherwise) };
  const holding = slots.filter((s) => holds(s, version, mem));
  if (holding.length === 0) fail(`no slot holds image ${version}`, { ...more, seen: slotLines(slots) });
  const fits = holding.filter(
    (s) => (p.running === undefined || s.isRunning === p.running) && (p.backup === undefined || s.isDefault === p.backup) && (index === undefined || s.index === index),
  );
  if (fits.length === 0) fail(`no slot holds ${label}: ${holding.map(describeSlot).join('; ')}`, { ...more, seen: slotLines(slots) });
  if (p.complete) {
    const problems = fits.map((s) => incomplete(s, built!));
    const good = fits.find((_, i) => problems[i]!.length === 0);
    if (!good) fail(`the slot holding ${version} is not the whole image: ${problems[0]!.join('; ')}`, { ...more, seen: slotLines(slots) });
    return { status: 'passed', message: describeSlot(good!) };
  }
  return { status: 'passed', message: describeSlot(fits[0]!) };
}

/** How a slot differs from the image transferred into it. */
function incomplete(s: FirmwareSlotInfo, b: BuiltImage): string[] {
  const { image } = b;
  const out: string[] = [];
  if (!sameBytes(s.fileHash, b.announced)) out.push(`hash ${s.fileHash ? toHex(s.fileHash).slice(0, 16) : 'absent'}…, transferred ${toHex(b.announced).slice(0, 16)}…`);
  if (s.version !== image.version) out.push(`version ${s.version ?? 'absent'}, transferred ${image.version}`);
  if (s.fileSize !== image.bytes.length) out.push(`size ${s.fileSize ?? 'absent'}, transferred ${image.bytes.length}`);
  if (s.hwId !== image.hwId) out.push(`hwId ${s.hwId ?? 'absent'}, transferred ${image.hwId}`);
  const total = s.blockSize ? Math.ceil(image.bytes.length / s.blockSize) : 0;
  if (!s.bitmap || total === 0) out.push('no block bitmap');
  else if (countBlocks(s.bitmap, total, s.bitmapOffset) !== total) out.push(`bitmap marks ${countBlocks(s.bitmap, total, s.bitmapOffset)} of ${total} blocks`);
  return out;
}
