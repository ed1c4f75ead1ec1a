/**
 * Decoded values of csmp_register.pcap frame 1 (the reference agent's registration) that more than
 * one layer's tests check: written once, as the protocol doc's field names give them (JSON form,
 * bytes as hex).
 */
export const REGISTER_FIRMWARE_IMAGE_INFO = {
  index: 1,
  fileHash: '3132333435000000000000000000000000000000000000000000000000000000',
  fileName: 'vendor firmware',
  version: '1.0.0',
  fileSize: 246272,
  isDefault: true,
  isRunning: true,
  hwInfo: { hwId: '', vendorHwId: 'vendor hardware ID' },
} as const;
