/**
 * The `response` codes of TransferResponse, LoadResponse, CancelLoadResponse and SetBackupResponse
 * (TLVs 71-74; csmp-protocol.md 6.7, draft notes 13.6). 0-9 are the draft's; csmp-agent-lib adds
 * 10-13. The draft keeps the enum in a comment only: on the wire the field is a plain uint32, so
 * an unknown number is kept and named as such.
 */
export const FIRMWARE_RESPONSE = {
  OK: 0,
  INCOMPATIBLE_HW: 1,
  IMAGE_INCOMPLETE: 2,
  UNKNOWN_HASH: 3,
  FILE_SIZE_TOO_BIG: 4,
  SIGNATURE_FAILED: 5,
  INVALID_REQ: 6,
  INVALID_BLOCK_SIZE: 7,
  PENDING_REBOOT: 8,
  IMAGE_RUNNING: 9,
  NO_VOLUME: 10,
  DUP_XFER: 11,
  MATCH_RUN_XFER: 12,
  MATCH_BAK_XFER: 13,
} as const;

export type FirmwareResponseName = keyof typeof FIRMWARE_RESPONSE;

const MEANING: Record<FirmwareResponseName, string> = {
  OK: 'processed',
  INCOMPATIBLE_HW: "the image's hardware id is not this device's",
  IMAGE_INCOMPLETE: 'only part of the image is stored',
  UNKNOWN_HASH: 'no stored image has that hash',
  FILE_SIZE_TOO_BIG: 'the image does not fit the upload slot',
  SIGNATURE_FAILED: 'the stored image failed its integrity check (hash or signature)',
  INVALID_REQ: 'invalid request',
  INVALID_BLOCK_SIZE: 'block size outside what the device takes',
  PENDING_REBOOT: 'conflicts with a pending load or reboot',
  IMAGE_RUNNING: 'that image is already running',
  NO_VOLUME: 'no storage for the image',
  DUP_XFER: 'a transfer of that image is already under way',
  MATCH_RUN_XFER: 'that image is the running one',
  MATCH_BAK_XFER: 'that image is the backup one',
};

const BY_CODE = new Map<number, FirmwareResponseName>(Object.entries(FIRMWARE_RESPONSE).map(([k, v]) => [v, k as FirmwareResponseName]));

/** "INCOMPATIBLE_HW", or "code 42" for a number no source names. */
export function firmwareResponseName(code: number): string {
  return BY_CODE.get(code) ?? `code ${code}`;
}

/** "1 INCOMPATIBLE_HW (the image's hardware id is not this device's)". */
export function describeFirmwareResponse(code: number): string {
  const name = BY_CODE.get(code);
  return name ? `${code} ${name} (${MEANING[name]})` : `${code} (not a firmware response code of any source)`;
}
