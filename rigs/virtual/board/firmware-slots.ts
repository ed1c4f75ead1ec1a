/**
 * Firmware slot metadata as stored in flash (what TLV 75 FirmwareImageInfo reports, one record
 * per slot): JSON with the hash as hex. Decoding is per field: a field of the wrong type is
 * absent, a file that is not JSON (erased flash) is absent as a whole.
 */
import type { FirmwareSlot } from '../meter/platform.js';
import { fromHex, toHex } from '../../../core/bytes.js';

export type { FirmwareSlot };

/** A slot as JSON holds it: the hash and the block bitmap as hex. */
export type StoredSlot = Omit<FirmwareSlot, 'fileHash' | 'received'> & { fileHash?: string; received?: string };

const TRANSFER_STATES: readonly string[] = ['download', 'complete', 'bad-hash'];

export function emitFirmwareSlots(slots: readonly FirmwareSlot[]): string {
  const stored: StoredSlot[] = slots.map((s) => {
    if (!Number.isInteger(s.index) || s.index < 1) throw new TypeError(`firmware slot index must be a positive integer, got ${s.index}`);
    const { fileHash, received, ...rest } = s;
    return {
      ...rest,
      ...(fileHash ? { fileHash: toHex(fileHash) } : {}),
      ...(received ? { received: toHex(received) } : {}),
    };
  });
  return `${JSON.stringify({ slots: stored }, null, 2)}\n`;
}

export function parseFirmwareSlots(text: string): FirmwareSlot[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const slots = (doc as { slots?: unknown } | null)?.slots;
  if (!Array.isArray(slots)) return undefined;
  const out: FirmwareSlot[] = [];
  for (const raw of slots) {
    if (!raw || typeof raw !== 'object') continue;
    const r = raw as Record<string, unknown>;
    if (!Number.isInteger(r['index']) || (r['index'] as number) < 1) continue;
    const slot: FirmwareSlot = { index: r['index'] as number };
    for (const k of ['fileName', 'version', 'hwId', 'vendorHwId'] as const) if (typeof r[k] === 'string') slot[k] = r[k] as string;
    for (const k of ['fileSize', 'blockSize', 'loadTime'] as const) if (Number.isInteger(r[k]) && (r[k] as number) >= 0) slot[k] = r[k] as number;
    for (const k of ['isRunning', 'isDefault'] as const) if (typeof r[k] === 'boolean') slot[k] = r[k] as boolean;
    const fileHash = typeof r['fileHash'] === 'string' ? fromHex(r['fileHash']) : undefined;
    if (fileHash) slot.fileHash = fileHash;
    if (typeof r['transfer'] === 'string' && TRANSFER_STATES.includes(r['transfer'])) slot.transfer = r['transfer'] as FirmwareSlot['transfer'];
    const received = typeof r['received'] === 'string' ? fromHex(r['received']) : undefined;
    if (received) slot.received = received;
    out.push(slot);
  }
  return out;
}
