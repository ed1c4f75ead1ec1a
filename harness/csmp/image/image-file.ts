/**
 * A whole firmware image file: the 256-byte header (header.ts), the image binary it announces,
 * and whatever follows (vendor signature, 0xFF pad).
 */
import { imageError, IMAGE_HEADER_LENGTH, parseImageHeader, type ImageHeader } from './header.js';

export interface ImageFile {
  header: ImageHeader;
  /** The vendor image binary: bytes 256 to app length. */
  binary: Uint8Array;
  /** Signature and padding after the binary (may be empty). */
  trailer: Uint8Array;
}

/** Throws DecodeError when the header is bad or announces more bytes than the file holds. */
export function parseImageFile(bytes: Uint8Array): ImageFile {
  const header = parseImageHeader(bytes);
  if (header.appLength > bytes.length) {
    throw imageError(20, 'truncated', `app length ${header.appLength} exceeds the file's ${bytes.length} bytes`);
  }
  return { header, binary: bytes.subarray(IMAGE_HEADER_LENGTH, header.appLength), trailer: bytes.subarray(header.appLength) };
}
