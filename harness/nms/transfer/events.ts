/**
 * What a transfer reports while it runs, for progress displays and logs. Device-confirmed
 * progress (`progress`) comes from FirmwareImageInfo bitmaps, not from what was sent.
 */
export type TransferEvent =
  | { type: 'start'; devices: string[]; blocks: number; blockSize: number; bytes: number; group?: number }
  | { type: 'resume'; device: string; held: number; blocks: number }
  | { type: 'transfer-request'; device: string; ok: boolean; name: string }
  | { type: 'block'; block: number; round: number; bytes: number }
  | { type: 'progress'; device: string; received: number; blocks: number }
  | { type: 'round'; round: number; missing: Record<string, number> }
  | { type: 'aborted'; reason: string };
