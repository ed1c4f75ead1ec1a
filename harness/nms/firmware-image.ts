/**
 * The running image in a device's FirmwareImageInfo (TLV 75) rows, and how it differs from the
 * firmware a rig expects. Shared by the flowchart's firmware-info branch and `hil check`.
 */
import type { ExpectedFirmware } from '../config/rig.js';

export interface RunningImage {
  /** The row marked isRunning; absent when none is. */
  slot?: Record<string, unknown>;
  version?: unknown;
  hwId?: unknown;
}

export interface FirmwareMismatch {
  field: 'version' | 'hwId';
  seen: unknown;
  expected: string;
}

export function runningImage(rows: readonly Record<string, unknown>[]): RunningImage {
  const slot = rows.find((s) => s['isRunning'] === true);
  if (!slot) return {};
  return { slot, version: slot['version'], hwId: (slot['hwInfo'] as Record<string, unknown> | undefined)?.['hwId'] };
}

/** What differs from the expectation. An empty expected value is no expectation (an ad-hoc device). */
export function firmwareMismatches(image: RunningImage, expected: Partial<Pick<ExpectedFirmware, 'firmwareVersion' | 'hwId'>>): FirmwareMismatch[] {
  const out: FirmwareMismatch[] = [];
  if (expected.firmwareVersion && image.version !== expected.firmwareVersion) out.push({ field: 'version', seen: image.version, expected: expected.firmwareVersion });
  if (expected.hwId && image.hwId !== expected.hwId) out.push({ field: 'hwId', seen: image.hwId, expected: expected.hwId });
  return out;
}
