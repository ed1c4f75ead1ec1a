/**
 * Firmware slots and the transfer flow (csmp-protocol.md 6.7): TransferRequest starts an
 * upload into the upload slot, ImageBlocks fill its bitmap, LoadRequest schedules activation,
 * CancelLoadRequest and SetBackupRequest as the reference sample does them.
 *
 * Response codes: 0 OK, 1 incompatible hardware, 2 image incomplete, 3 unknown hash, 4 file
 * too big, 6 invalid request, 7 invalid block size, 11 duplicate transfer, 12 hash matches the
 * running image, 13 hash matches the backup image. Slot facts live in flash (they survive power
 * cycles); the block bitmap of an upload in progress lives in RAM. Image bytes are not kept:
 * neither FND nor the reference agent checks them (doc 6.7), and fleets must stay small.
 */
import type { FirmwareSlot } from './platform.js';
import { sameBytes } from '../../../core/bytes.js';

export const FW_OK = 0;
export const FW_INCOMPATIBLE_HW = 1;
export const FW_INCOMPLETE = 2;
export const FW_UNKNOWN_HASH = 3;
export const FW_TOO_BIG = 4;
export const FW_INVALID_REQUEST = 6;
export const FW_INVALID_BLOCK_SIZE = 7;
export const FW_DUPLICATE = 11;
export const FW_MATCHES_RUNNING = 12;
export const FW_MATCHES_BACKUP = 13;

const MAX_BLOCK = 1024;
const MAX_BLOCKS = 1024;
export const UPLOAD_SLOT = 2;

export interface Upload {
  hash: Uint8Array;
  blocks: number;
  received: Uint8Array;
  count: number;
}

export interface TransferFields {
  hwId?: string;
  vendorHwId?: string;
  fileHash?: Uint8Array;
  fileName?: string;
  version?: string;
  fileSize?: number;
  blockSize?: number;
}

export function runningSlot(slots: readonly FirmwareSlot[]): FirmwareSlot | undefined {
  return slots.find((s) => s.isRunning);
}

export function backupSlot(slots: readonly FirmwareSlot[]): FirmwareSlot | undefined {
  return slots.find((s) => s.isDefault && !s.isRunning);
}

/** The slot uploads go to: index 2 when it is neither running nor default, else the first such slot. */
export function uploadSlotIndex(slots: readonly FirmwareSlot[]): number {
  const free = (s: FirmwareSlot) => !s.isRunning && !s.isDefault;
  const two = slots.find((s) => s.index === UPLOAD_SLOT);
  if (!two || free(two)) return UPLOAD_SLOT;
  const other = slots.find(free);
  return other ? other.index : Math.max(0, ...slots.map((s) => s.index)) + 1;
}

export class FirmwareManager {
  /** Upload in progress or finished since boot (RAM). */
  upload: Upload | undefined;

  constructor(private readonly slotSize: number) {}

  /** Validates a TransferRequest and, on OK, resets the upload slot. Returns the response code and new slots. */
  transfer(slots: FirmwareSlot[], req: TransferFields, expectedHwId: string | undefined): { code: number; slots: FirmwareSlot[] } {
    const keep = { code: 0, slots };
    if (req.hwId === undefined || (expectedHwId !== undefined && req.hwId !== expectedHwId)) return { ...keep, code: FW_INCOMPATIBLE_HW };
    if (!req.fileHash || req.fileHash.length !== 32) return { ...keep, code: FW_INVALID_REQUEST };
    if (sameBytes(req.fileHash, runningSlot(slots)?.fileHash)) return { ...keep, code: FW_MATCHES_RUNNING };
    if (sameBytes(req.fileHash, backupSlot(slots)?.fileHash)) return { ...keep, code: FW_MATCHES_BACKUP };
    const uploadIndex = uploadSlotIndex(slots);
    if (sameBytes(req.fileHash, slots.find((s) => s.index === uploadIndex)?.fileHash) || sameBytes(req.fileHash, this.upload?.hash))
      return { ...keep, code: FW_DUPLICATE };
    const size = req.fileSize ?? 0;
    if (size === 0 || size > this.slotSize) return { ...keep, code: FW_TOO_BIG };
    const block = req.blockSize ?? 0;
    if (block === 0 || block > MAX_BLOCK || block * MAX_BLOCKS < size) return { ...keep, code: FW_INVALID_BLOCK_SIZE };
    const blocks = Math.ceil(size / block);
    this.upload = { hash: req.fileHash.slice(), blocks, received: new Uint8Array(Math.ceil(blocks / 8)), count: 0 };
    const slot: FirmwareSlot = {
      index: uploadIndex,
      fileHash: req.fileHash.slice(),
      fileName: req.fileName ?? '',
      version: req.version ?? '',
      fileSize: size,
      blockSize: block,
      isRunning: false,
      isDefault: false,
      hwId: req.hwId,
      ...(req.vendorHwId !== undefined ? { vendorHwId: req.vendorHwId } : {}),
    };
    return { code: FW_OK, slots: [...slots.filter((s) => s.index !== uploadIndex), slot].sort((a, b) => a.index - b.index) };
  }

  /** Stores one ImageBlock; false when it does not belong to the upload (handler error). */
  block(slots: readonly FirmwareSlot[], hash: Uint8Array | undefined, blockNum: number | undefined, data: Uint8Array | undefined): boolean {
    const up = this.upload;
    if (!up || !hash || hash.length < 4 || blockNum === undefined || !data) return false;
    for (let i = 0; i < Math.min(hash.length, up.hash.length); i++) if (hash[i] !== up.hash[i]) return false;
    const slot = slots.find((s) => sameBytes(s.fileHash, up.hash));
    if (!slot || data.length > (slot.blockSize ?? 0) || blockNum >= up.blocks) return false;
    const byte = blockNum >> 3;
    const bit = 0x80 >> (blockNum & 7);
    if (!(up.received[byte]! & bit)) {
      up.received[byte] = up.received[byte]! | bit;
      up.count++;
    }
    return true;
  }

  /** Whether the image with `hash` is complete in some slot (a finished upload, or a stored image). */
  complete(slots: readonly FirmwareSlot[], hash: Uint8Array): boolean {
    if (this.upload && sameBytes(this.upload.hash, hash)) return this.upload.count === this.upload.blocks;
    return slots.some((s) => sameBytes(s.fileHash, hash) && (s.fileSize ?? 0) > 0);
  }

  /** Bitmap to show in FirmwareImageInfo while a download is in progress. */
  bitmapFor(slot: FirmwareSlot): Uint8Array | undefined {
    const up = this.upload;
    if (!up || !sameBytes(slot.fileHash, up.hash) || up.count === up.blocks) return undefined;
    return up.received.slice(0, Math.min(up.received.length, 128));
  }

  /** Makes the slot holding `hash` the running one. */
  static activate(slots: readonly FirmwareSlot[], hash: Uint8Array): FirmwareSlot[] {
    return slots.map((s) => {
      const { loadTime: _drop, ...rest } = s;
      return { ...rest, isRunning: sameBytes(s.fileHash, hash) };
    });
  }

  /** Copies the image `hash` into the backup (default) slot. */
  static setBackup(slots: readonly FirmwareSlot[], hash: Uint8Array): FirmwareSlot[] {
    const source = slots.find((s) => sameBytes(s.fileHash, hash));
    if (!source) return [...slots];
    const backup = backupSlot(slots) ?? { index: Math.max(0, ...slots.map((s) => s.index)) + 1 };
    const copy: FirmwareSlot = { ...source, index: backup.index, isDefault: true, isRunning: false };
    delete copy.loadTime;
    return [...slots.filter((s) => s.index !== backup.index), copy].sort((a, b) => a.index - b.index);
  }
}
