/**
 * A firmware image as the NMS announces it (csmp-protocol.md 6.7): the file's bytes, its SHA-256
 * (TransferRequest.fileHash), and what its header says (version, hardware id).
 */
import { createHash } from 'node:crypto';
import { imageVersion, type ImageHeader } from '../../csmp/image/header.js';
import { parseImageFile } from '../../csmp/image/image-file.js';

export interface FirmwareImage {
  bytes: Uint8Array;
  /** SHA-256 of the whole file. */
  hash: Uint8Array;
  fileName: string;
  /** "major.minor.build" from the header. */
  version: string;
  /** The header's hwid: FND sends it as hwInfo.hwId and the device must match it [TPD]. */
  hwId: string;
  /** The header's sub_hwid, when set. */
  vendorHwId?: string;
  header: ImageHeader;
}

/** Reads the header (DecodeError when it is not a firmware image file) and hashes the file. */
export function firmwareImage(bytes: Uint8Array, fileName: string): FirmwareImage {
  const { header } = parseImageFile(bytes);
  return {
    bytes,
    hash: new Uint8Array(createHash('sha256').update(bytes).digest()),
    fileName,
    version: imageVersion(header),
    hwId: header.hwId,
    ...(header.subHwId !== '' ? { vendorHwId: header.subHwId } : {}),
    header,
  };
}
