/**
 * FirmwareImageInfo (TLV 75) rows as the NMS reads them: one per image slot, with the download
 * bitmap of a slot being filled (csmp-protocol.md 5.4, 6.7). Read with GET 75, or found in the
 * answer to a DescriptionRequest{"75"} and in a registration.
 */
import { sameBytes, toHex } from '../../../core/bytes.js';
import { countBlocks, missingBlocks } from '../../csmp/image/block-bitmap.js';
import { TLV } from '../../csmp/tlv-ids.js';
import type { DecodedTlv } from '../../csmp/value.js';
import type { NmsClient } from '../client.js';

export interface FirmwareSlotInfo {
  index: number;
  fileHash?: Uint8Array;
  fileName?: string;
  version?: string;
  fileSize?: number;
  blockSize?: number;
  /** Received blocks, most significant bit first; present while (or, on some devices, after) a download fills the slot. */
  bitmap?: Uint8Array;
  /** Block number of the bitmap's first bit (draft field 12; 0 when absent). */
  bitmapOffset: number;
  isDefault: boolean;
  isRunning: boolean;
  loadTime?: number;
  hwId?: string;
  vendorHwId?: string;
}

/** The FirmwareImageInfo rows among `tlvs`, in order. */
export function firmwareSlots(tlvs: readonly DecodedTlv[]): FirmwareSlotInfo[] {
  const out: FirmwareSlotInfo[] = [];
  for (const t of tlvs) {
    const v = t.type === TLV.FirmwareImageInfo ? t.value : undefined;
    if (!v || typeof v['index'] !== 'number') continue;
    const hw = v['hwInfo'] as Record<string, unknown> | undefined;
    const s: FirmwareSlotInfo = { index: v['index'], bitmapOffset: typeof v['bitmapOffset'] === 'number' ? v['bitmapOffset'] : 0, isDefault: v['isDefault'] === true, isRunning: v['isRunning'] === true };
    if (v['fileHash'] instanceof Uint8Array) s.fileHash = v['fileHash'];
    if (v['bitmap'] instanceof Uint8Array) s.bitmap = v['bitmap'];
    for (const k of ['fileName', 'version'] as const) if (typeof v[k] === 'string') s[k] = v[k] as string;
    for (const k of ['fileSize', 'blockSize', 'loadTime'] as const) if (typeof v[k] === 'number') s[k] = v[k] as number;
    if (typeof hw?.['hwId'] === 'string') s.hwId = hw['hwId'];
    if (typeof hw?.['vendorHwId'] === 'string') s.vendorHwId = hw['vendorHwId'];
    out.push(s);
  }
  return out;
}

/** A firmware command or read the device answered with a CoAP error (or not at all). */
export class FirmwareExchangeError extends Error {
  override readonly name = 'FirmwareExchangeError';
  constructor(
    readonly device: string,
    readonly what: string,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`${device}: ${what}: ${reason}`);
  }
}

/** GET 75 (all rows). Throws FirmwareExchangeError on a non-2.05 answer. */
export async function readFirmwareSlots(client: NmsClient, device: string, opts: { timeoutMs?: number } = {}): Promise<FirmwareSlotInfo[]> {
  const a = await client.get(device, TLV.FirmwareImageInfo, opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {});
  if (a.code !== '2.05') throw new FirmwareExchangeError(device, 'GET 75 FirmwareImageInfo', a.code, `answered ${a.code}`);
  return firmwareSlots(a.tlvs);
}

/** The slot holding the image `hash` (a download in progress counts), preferring one that is not the backup copy. */
export function slotHolding(slots: readonly FirmwareSlotInfo[], hash: Uint8Array): FirmwareSlotInfo | undefined {
  const all = slots.filter((s) => sameBytes(s.fileHash, hash));
  return all.find((s) => s.isRunning) ?? all.find((s) => !s.isDefault) ?? all[0];
}

export function runningSlot(slots: readonly FirmwareSlotInfo[]): FirmwareSlotInfo | undefined {
  return slots.find((s) => s.isRunning);
}

/** Blocks of a `total`-block image the slot's bitmap does not mark. */
export function slotMissing(slot: FirmwareSlotInfo, total: number): number[] {
  return slot.bitmap ? missingBlocks(slot.bitmap, total, slot.bitmapOffset) : [...Array(total).keys()];
}

/** One line per slot: "2  6.0.1  fw.img  30720 B  sha256 1a2b3c4d…  blocks 30/32  running backup load@…". */
export function describeSlot(s: FirmwareSlotInfo): string {
  const parts = [`slot ${s.index}`, s.version || '(empty)', s.fileName || '-', `${s.fileSize ?? 0} B`];
  if (s.fileHash) parts.push(`sha256 ${toHex(s.fileHash).slice(0, 16)}…`);
  if (s.hwId) parts.push(`hw ${s.hwId}`);
  if (s.bitmap && s.blockSize) {
    const total = Math.ceil((s.fileSize ?? 0) / s.blockSize);
    parts.push(`blocks ${countBlocks(s.bitmap, total, s.bitmapOffset)}/${total}`);
  }
  if (s.isRunning) parts.push('running');
  if (s.isDefault) parts.push('backup');
  if (s.loadTime !== undefined) parts.push(`load at ${new Date(s.loadTime * 1000).toISOString()}`);
  return parts.join('  ');
}
