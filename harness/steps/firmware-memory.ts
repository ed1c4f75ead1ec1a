/**
 * What the firmware steps of one attempt remember between them (kept in StepContext.memory, next
 * to attempt-memory.ts): the images the test built, by version, with the hash each transfer
 * announced; every transfer's outcome as the NMS counted it; the answer to the last firmware
 * command (what expect-answer judges); and the last load (what expect-load and expect-slot's
 * `running-before-load` refer to). The teardown's restore-firmware reads it too.
 */
import type { FirmwareAnswer } from '../nms/transfer/commands.js';
import type { FirmwareImage } from '../nms/transfer/image.js';
import type { FirmwareSlotInfo } from '../nms/transfer/slots.js';
import type { UploadResult } from '../nms/transfer/upload.js';
import type { StepContext } from '../runner/executor.js';

export interface BuiltImage {
  image: FirmwareImage;
  /** The SHA-256 the transfer announced (another than the image's with announceWrongHash). */
  announced: Uint8Array;
  /** false: built not to start (`boots: false`), so a load of it must end on another image. */
  boots: boolean;
}

/** LastAnswer.name of a command the device did not answer at all. */
export const NO_ANSWER = 'no answer';

export interface LastAnswer {
  /** "TransferRequest", "LoadRequest 6.1.0", … */
  what: string;
  /** Response name ("OK", "INCOMPATIBLE_HW", …); "no answer" or "CoAP 4.01" when there was none. */
  name: string;
  describe: string;
}

export interface LoadRecord {
  version: string;
  hash: Uint8Array;
  /** Clock ms the LoadRequest went out, and the NMS event mark then. */
  sentAt: number;
  since: number;
  /** Clock ms of the restart the load noted (bench.noteRestart): restarts after it are not the load's. */
  restartAt: number;
  delaySec: number;
  answer: FirmwareAnswer;
  /** FirmwareImageInfo just before the LoadRequest. */
  slotsBefore: FirmwareSlotInfo[];
  /** Set once the device was seen rebooting for it (or the load was cancelled). */
  settled?: 'fired' | 'cancelled';
}

export interface FirmwareMemory {
  images: Map<string, BuiltImage>;
  /** Every transfer of the test per version, in order. */
  transfers: Map<string, UploadResult[]>;
  /** The version of the test's last transfer. */
  lastTransfer?: string;
  last?: LastAnswer;
  loads: LoadRecord[];
}

const KEY = 'steps.firmware';

export function firmwareMemory(ctx: StepContext): FirmwareMemory {
  let m = ctx.memory.get(KEY) as FirmwareMemory | undefined;
  if (!m) {
    m = { images: new Map(), transfers: new Map(), loads: [] };
    ctx.memory.set(KEY, m);
  }
  return m;
}

export const lastLoad = (m: FirmwareMemory): LoadRecord | undefined => m.loads[m.loads.length - 1];
