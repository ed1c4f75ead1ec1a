/**
 * What the firmware step handlers share: images named by version (built by the test, or reported
 * by the device), FirmwareImageInfo read through the step's request path, the device's clock,
 * and whether the next step judges a firmware answer instead of the handler.
 */
import { sameBytes } from '../../core/bytes.js';
import type { StepName } from '../config/steps.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { FirmwareAnswer } from '../nms/transfer/commands.js';
import { deviceClock } from '../nms/transfer/device-clock.js';
import { describeSlot, firmwareSlots, type FirmwareSlotInfo } from '../nms/transfer/slots.js';
import type { RolloutDeps } from '../nms/transfer/upload.js';
import { firmwareMemory, type FirmwareMemory } from './firmware-memory.js';
import { fail } from './outcome.js';
import { readTlv } from './read-tlv.js';
import { rigVariables, substitute } from './rig-values.js';
import type { StepRun } from './step-run.js';

export const deps = (run: StepRun): RolloutDeps => ({ nms: run.bench.nms, clock: run.bench.clock });

/** An image name of a step with rig values (`${expected.firmwareVersion}`) filled in. */
export function versionOf(run: StepRun, image: string): string {
  return String(substitute(image, rigVariables(run.bench.rig, run.ctx.device), `${run.ctx.device.name}: ${run.step.name}`));
}

/** GET 75 now, as the device reports its slots (kept as the test's last read of TLV 75). */
export async function readSlots(run: StepRun): Promise<FirmwareSlotInfo[]> {
  const read = await readTlv(run, TLV.FirmwareImageInfo, undefined);
  if (read.code !== '2.05') fail(`${read.what} answered ${read.code}`, { expected: `${read.what} → 2.05 with FirmwareImageInfo`, seen: read.code });
  return firmwareSlots(read.tlvs);
}

export const slotLines = (slots: readonly FirmwareSlotInfo[]): string => (slots.length ? slots.map(describeSlot).join('; ') : 'no slots');

/**
 * The hash of image `version`: the one its transfer announced when the test built it, else the
 * one of the device's slot holding that version (the factory image, an image of an earlier run).
 */
export async function hashOf(run: StepRun, version: string, mem: FirmwareMemory = firmwareMemory(run.ctx)): Promise<Uint8Array> {
  const built = mem.images.get(version);
  if (built) return built.announced;
  const slots = await readSlots(run);
  const slot = slots.find((s) => s.version === version && s.fileHash !== undefined && s.fileHash.some((b) => b !== 0));
  if (!slot) {
    fail(`no image ${version}: the test transferred none and no slot of ${run.ctx.device.name} holds it`, {
      expected: `image ${version} transferred earlier in the test or stored on the device`,
      seen: slotLines(slots),
    });
  }
  return slot!.fileHash!;
}

/** The version a slot table says the device runs. */
export const runningVersion = (slots: readonly FirmwareSlotInfo[]): string | undefined => slots.find((s) => s.isRunning)?.version;

/** Whether a slot holds image `version` (and, for an image the test built, its announced hash). */
export function holds(slot: FirmwareSlotInfo, version: string, mem: FirmwareMemory): boolean {
  const built = mem.images.get(version);
  return slot.version === version && (!built || sameBytes(slot.fileHash, built.announced));
}

/** Whether the step after this one is one of `names` (which then judges the outcome). */
export function nextStepIs({ step, ctx }: StepRun, names: readonly StepName[]): boolean {
  const list = step.phase === 'setup' ? ctx.suite.setup : step.phase === 'teardown' ? ctx.suite.teardown : ctx.test.steps;
  const next = list[step.index]?.name;
  return next !== undefined && names.includes(next);
}

/** Records a firmware command's answer and fails the step when it is not OK and no expect-answer follows. */
export function judgeAnswer(run: StepRun, what: string, answer: FirmwareAnswer): void {
  const mem = firmwareMemory(run.ctx);
  mem.last = { what, name: answer.name, describe: answer.describe };
  run.ctx.log(`${what} → ${answer.coap} ${answer.name}: ${answer.describe}`);
  if (!answer.ok && !nextStepIs(run, ['expect-answer'])) {
    fail(`${what} answered ${answer.name}`, { expected: `${what} → OK`, seen: answer.describe });
  }
}

/**
 * The device's clock (its CurrentTime), as a function giving it at any later moment: a load time
 * is computed when the LoadRequest leaves, not when the clock was read, so a busy machine (whose
 * delays the virtual rig's time scale multiplies) cannot turn a future load time into a past one.
 */
export async function deviceClockNow(run: StepRun): Promise<() => number> {
  const { clock } = run.bench;
  const posix = await deviceClock(deps(run), run.ctx.device.name, commandTimeout(run));
  const readAt = clock.now();
  return () => posix + Math.ceil((clock.now() - readAt) / 1000);
}

/** Clock ms a firmware request may take: the step's request limit. */
export const commandTimeout = (run: StepRun): number => run.bench.toClockMs(run.limits.requestTimeoutMs);

export const hasPendingLoad = (mem: FirmwareMemory): boolean => mem.loads.some((l) => l.answer.ok && l.settled === undefined);

