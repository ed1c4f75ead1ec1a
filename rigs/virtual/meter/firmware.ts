/**
 * Firmware slots and the transfer flow of a virtual meter (csmp-protocol.md 6.7), as the
 * reference agent's Linux sample does them, with the checks a correct device adds where the
 * sample skips them:
 *
 * - TransferRequest: hwInfo.hwId present (else 1) and equal to the running image's (else 1: the
 *   sample only checks presence), hash of 32 bytes (6), 0 < size <= slot size (4), 0 < block
 *   size <= 1024 with every block inside the 1024-bit bitmap (7), no load pending on the upload
 *   slot (8), not the image already uploading (11), running (12) or backed up (13). Accepted:
 *   the upload slot is erased and described, its bitmap empty.
 * - ImageBlock: its hash prefix (>= 4 bytes) names the upload slot, data <= block size; the
 *   block is written to flash and marked. When the last one is in, the image's SHA-256 is
 *   checked against the announced hash: 'complete', or 'bad-hash' (the sample has the status
 *   but never computes the hash; `accepts-bad-hash` models that).
 * - Load: complete → 0, bad hash → 5, partial → 2, running → 9, backup or another stored image
 *   → 0, else 3. Set backup: copies a complete or running image to the backup slot.
 *
 * Everything lives in flash (slot table, bitmap, image bytes), so power loss mid-transfer keeps
 * what was written; `loses-upload-slot-on-power-loss` models a meter that does not, and
 * `tears-last-block-at-power-loss` one whose bitmap runs ahead of its image bytes. A pending load
 * lives in RAM, as in the sample, so a power cycle forgets it; `cancelled-load-runs-at-next-boot`
 * models a meter that records it in the slot table, where its boot loader reads it.
 * Slots follow an A/B scheme: uploads go to a slot that is neither running nor the backup, and a
 * load makes that slot the running one, leaving the old image where it was.
 */
import { createHash } from 'node:crypto';
import { sameBytes } from '../../../core/bytes.js';
import { encodeBitmap, markBlock, missingBlocks } from '../../../harness/csmp/image/block-bitmap.js';
import { FIRMWARE_RESPONSE as FW } from '../../../harness/csmp/firmware-response.js';
import type { FaultSet } from './faults.js';
import type { FirmwareSlot, ImageStore } from './platform.js';

const MAX_BLOCK = 1024;
const MAX_BLOCKS = 1024;
/** csmp-agent-lib MIN_HASH_COMPARE_LEN. */
const MIN_HASH_PREFIX = 4;
export const UPLOAD_SLOT = 2;

export interface TransferFields {
  hwId?: string;
  vendorHwId?: string;
  fileHash?: Uint8Array;
  fileName?: string;
  version?: string;
  fileSize?: number;
  blockSize?: number;
}

/** What the firmware logic reads and writes of the meter. */
export interface FirmwareEnv {
  slots(): FirmwareSlot[];
  save(slots: FirmwareSlot[]): void;
  images: ImageStore;
  slotSize: number;
  faults: FaultSet;
  /** The image a scheduled load will activate, if any (RAM, as in the sample). */
  pendingLoad(): Uint8Array | undefined;
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

/** An empty slot as the sample reports one: zero hash, empty names. */
export function emptySlot(index: number): FirmwareSlot {
  return { index, fileName: '', version: '', fileHash: new Uint8Array(32), fileSize: 0, blockSize: 0, hwId: '' };
}

/** A stored image (not an empty slot). */
export function holdsImage(s: FirmwareSlot): boolean {
  return (s.fileSize ?? 0) > 0 && !!s.fileHash && s.fileHash.some((b) => b !== 0);
}

export class FirmwareManager {
  /**
   * `tears-last-block-at-power-loss`: the last block received, still in RAM. A manager lives for
   * one boot (the agent makes a new one), so a power cut loses it.
   */
  private pageBuffer: { index: number; offset: number; data: Uint8Array } | undefined;

  constructor(private readonly env: FirmwareEnv) {}

  /** Validates a TransferRequest; on OK erases and describes the upload slot. Returns the response code. */
  transfer(req: TransferFields): number {
    const slots = this.env.slots();
    const running = runningSlot(slots);
    if (req.hwId === undefined) return FW.INCOMPATIBLE_HW;
    if (!this.env.faults.has('accepts-wrong-hardware') && running?.hwId !== undefined && running.hwId !== '' && req.hwId !== running.hwId) return FW.INCOMPATIBLE_HW;
    if (!req.fileHash || req.fileHash.length !== 32) return FW.INVALID_REQ;
    const size = req.fileSize ?? 0;
    if (size === 0 || size > this.env.slotSize) return FW.FILE_SIZE_TOO_BIG;
    const block = req.blockSize ?? 0;
    if (block === 0 || block > MAX_BLOCK || block * MAX_BLOCKS < size) return FW.INVALID_BLOCK_SIZE;
    const index = uploadSlotIndex(slots);
    const upload = slots.find((s) => s.index === index);
    const pending = this.env.pendingLoad();
    if (pending && upload && sameBytes(pending, upload.fileHash)) return FW.PENDING_REBOOT;
    if (upload && sameBytes(req.fileHash, upload.fileHash)) return FW.DUP_XFER;
    if (sameBytes(req.fileHash, running?.fileHash)) return FW.MATCH_RUN_XFER;
    if (sameBytes(req.fileHash, backupSlot(slots)?.fileHash)) return FW.MATCH_BAK_XFER;
    this.pageBuffer = undefined;
    this.env.images.erase(index);
    const blocks = Math.ceil(size / block);
    const slot: FirmwareSlot = {
      index,
      fileHash: req.fileHash.slice(),
      fileName: req.fileName ?? '',
      version: req.version ?? '',
      fileSize: size,
      blockSize: block,
      hwId: req.hwId,
      ...(req.vendorHwId !== undefined ? { vendorHwId: req.vendorHwId } : {}),
      transfer: 'download',
      received: encodeBitmap([], blocks),
    };
    this.env.save(replaceSlot(slots, slot));
    return FW.OK;
  }

  /** Stores one ImageBlock; false when it does not belong to the upload (a handler error). */
  block(hash: Uint8Array | undefined, blockNum: number | undefined, data: Uint8Array | undefined): boolean {
    if (!hash || hash.length < MIN_HASH_PREFIX || hash.length > 32 || blockNum === undefined || !data) return false;
    const slots = this.env.slots();
    const slot = slots.find((s) => s.transfer !== undefined && s.fileHash !== undefined && hash.every((b, i) => s.fileHash![i] === b));
    if (!slot || !slot.received) return false;
    const size = slot.blockSize ?? 0;
    const blocks = Math.ceil((slot.fileSize ?? 0) / Math.max(1, size));
    if (data.length > size || blockNum >= blocks) return false;
    // A block already written changes nothing (the sample skips it too).
    if (slot.transfer !== 'download') return true;
    const received = slot.received.slice();
    if (!markBlock(received, blockNum)) return true;
    this.writeBlock(slot.index, blockNum * size, data);
    const next: FirmwareSlot = { ...slot, received };
    if (missingBlocks(received, blocks).length === 0) {
      this.flushPage();
      next.transfer = this.verify(next) ? 'complete' : 'bad-hash';
    }
    this.env.save(replaceSlot(slots, next));
    return true;
  }

  /**
   * A healthy meter writes the block's bytes before its bit in the bitmap, so a power cut can lose
   * a block only whole. `tears-last-block-at-power-loss` buffers each block in RAM and writes it
   * when the next one comes, while its bit goes to flash at once.
   */
  private writeBlock(index: number, offset: number, data: Uint8Array): void {
    if (!this.env.faults.has('tears-last-block-at-power-loss')) {
      this.env.images.write(index, offset, data);
      return;
    }
    this.flushPage();
    this.pageBuffer = { index, offset, data: data.slice() };
  }

  private flushPage(): void {
    const page = this.pageBuffer;
    this.pageBuffer = undefined;
    if (page) this.env.images.write(page.index, page.offset, page.data);
  }

  /** The bitmap FirmwareImageInfo shows for a slot: while it holds an upload, in progress or done. */
  bitmapFor(slot: FirmwareSlot): Uint8Array | undefined {
    return slot.transfer !== undefined ? slot.received : undefined;
  }

  /** LoadRequest's answer for `hash`, and the slot it would activate when 0. */
  loadCheck(hash: Uint8Array | undefined): { code: number; slot?: FirmwareSlot } {
    const slot = hash && hash.length === 32 ? this.env.slots().find((s) => sameBytes(s.fileHash, hash) && holdsImage(s)) : undefined;
    if (!slot) return { code: FW.UNKNOWN_HASH };
    if (slot.isRunning) return { code: FW.IMAGE_RUNNING };
    if (slot.transfer === 'download') return { code: FW.IMAGE_INCOMPLETE };
    if (slot.transfer === 'bad-hash') return { code: FW.SIGNATURE_FAILED };
    return { code: FW.OK, slot };
  }

  /** SetBackupRequest: copies a complete or running image into the backup slot. Returns the response code. */
  setBackup(hash: Uint8Array | undefined): number {
    const slots = this.env.slots();
    const source = hash && hash.length === 32 ? slots.find((s) => sameBytes(s.fileHash, hash) && holdsImage(s)) : undefined;
    if (!source) return FW.UNKNOWN_HASH;
    if (source.transfer === 'download') return FW.IMAGE_INCOMPLETE;
    // The copy below leaves the bad-hash state behind, so the boot loader would fall back to a
    // corrupt image without a word. `backup-accepts-bad-hash` asks only whether the download is
    // over, as firmware testing the slot for "not downloading" instead of "verified" does.
    if (source.transfer === 'bad-hash' && !this.env.faults.has('backup-accepts-bad-hash')) return FW.SIGNATURE_FAILED;
    const target = backupSlot(slots)?.index ?? slots.find((s) => s.isDefault)?.index ?? Math.max(0, ...slots.map((s) => s.index)) + 1;
    if (target === source.index) return FW.OK;
    const pending = this.env.pendingLoad();
    if (pending && sameBytes(pending, slots.find((s) => s.index === target)?.fileHash)) return FW.PENDING_REBOOT;
    this.env.images.copy(source.index, target);
    const { transfer: _t, received: _r, loadTime: _l, ...image } = source;
    this.env.save(replaceSlot(slots, { ...image, index: target, isDefault: true, isRunning: false }));
    return FW.OK;
  }

  /** The boot loader is told to start `hash` at the next boot (the load timer fired). */
  activate(hash: Uint8Array): void {
    const slots = this.env.slots();
    const target = loadTarget(slots, hash);
    if (!target) return;
    // The running image is no upload any more: its row loses the download state and bitmap; a load
    // recorded in the table (cancelled-load-runs-at-next-boot) is done with.
    this.env.save(
      slots.map(({ loadTime: _l, ...s }) => {
        if (s.index !== target.index) return { ...s, isRunning: false };
        const { transfer: _t, received: _r, ...image } = s;
        return { ...image, isRunning: true };
      }),
    );
  }

  /**
   * `cancelled-load-runs-at-next-boot`: an accepted load is also written into the slot table, one
   * record for the whole table, as the image the boot loader starts at the next boot. Its
   * activation clears the record; a CancelLoadRequest, which only stops the timer, does not.
   */
  recordLoad(hash: Uint8Array, loadTime: number): void {
    const slots = this.env.slots();
    const target = loadTarget(slots, hash);
    if (!target) return;
    this.env.save(slots.map(({ loadTime: _l, ...s }) => (s.index === target.index ? { ...s, loadTime } : s)));
  }

  /** At boot, `cancelled-load-runs-at-next-boot`'s boot loader starts the image the slot table records a load of. */
  startRecordedLoad(): void {
    const recorded = this.env.slots().find((s) => s.loadTime !== undefined && holdsImage(s));
    if (recorded?.fileHash) this.activate(recorded.fileHash);
  }

  /** `loses-upload-slot-on-power-loss`: an upload in progress does not survive the power cut. */
  loseUploadInProgress(): void {
    const slots = this.env.slots();
    const lost = slots.filter((s) => s.transfer === 'download');
    if (lost.length === 0) return;
    for (const s of lost) this.env.images.erase(s.index);
    this.env.save(slots.map((s) => (s.transfer === 'download' ? emptySlot(s.index) : s)));
  }

  private verify(slot: FirmwareSlot): boolean {
    if (this.env.faults.has('accepts-bad-hash')) return true;
    const bytes = this.env.images.read(slot.index);
    const size = slot.fileSize ?? 0;
    if (!bytes || bytes.length < size) return false;
    const digest = createHash('sha256').update(bytes.subarray(0, size)).digest();
    return sameBytes(new Uint8Array(digest), slot.fileHash);
  }
}

/** The slot a load of `hash` starts: the copy that is not the backup, when there are two. */
function loadTarget(slots: readonly FirmwareSlot[], hash: Uint8Array): FirmwareSlot | undefined {
  if (!slots.some((s) => sameBytes(s.fileHash, hash) && holdsImage(s))) return undefined;
  return slots.find((s) => sameBytes(s.fileHash, hash) && !s.isDefault) ?? slots.find((s) => sameBytes(s.fileHash, hash));
}

export function replaceSlot(slots: readonly FirmwareSlot[], slot: FirmwareSlot): FirmwareSlot[] {
  return [...slots.filter((s) => s.index !== slot.index), slot].sort((a, b) => a.index - b.index);
}
