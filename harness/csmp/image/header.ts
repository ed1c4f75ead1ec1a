/**
 * The 256-byte header at the front of a CSMP firmware image file (csmp-protocol.md 6.7; draft
 * notes 13.2; FND TPD Firmware Format [TPD]). All integers little-endian, strings NUL-padded
 * (the draft pads unused ones with 0x20; both read back the same here):
 *
 *   0 header version (2)   4 header length (256)   8 app major   12 app minor   16 app build
 *   20 app length = header + image binary   24 app name[32]   56 SCC branch[32]
 *   88 SCC commit[8]   96 SCC flags   100 build date[16]   116 hwid[32]   148 sub_hwid[32]
 *   180 kernel_rev[16]   196 sub_kernel_rev[16] (draft)   212 reserved zeros
 *   252 CRC-32 of bytes 0-251 [TPD] (tpd-crc32.ts); the draft keeps these bytes reserved (zero)
 *
 * After the header: the vendor image binary (app length − 256 bytes), then an optional vendor
 * signature and 0xFF padding, neither of which FND nor the reference agent checks.
 */
import { DecodeError, type DecodeErrorCode } from '../../../core/errors.js';
import { tpdCrc32 } from './tpd-crc32.js';

export const IMAGE_HEADER_LENGTH = 256;
export const IMAGE_HEADER_VERSION = 2;

/** Byte ranges of the header, [start, end). */
const F = {
  headerVersion: 0,
  headerLength: 4,
  major: 8,
  minor: 12,
  build: 16,
  appLength: 20,
  appName: [24, 56],
  sccBranch: [56, 88],
  sccCommit: [88, 96],
  sccFlags: 96,
  buildDate: [100, 116],
  hwId: [116, 148],
  subHwId: [148, 180],
  kernelRev: [180, 196],
  subKernelRev: [196, 212],
  crc: 252,
} as const;

type TextField = 'appName' | 'sccBranch' | 'sccCommit' | 'buildDate' | 'hwId' | 'subHwId' | 'kernelRev' | 'subKernelRev';
const TEXT_FIELDS: readonly TextField[] = ['appName', 'sccBranch', 'sccCommit', 'buildDate', 'hwId', 'subHwId', 'kernelRev', 'subKernelRev'];

/** What a vendor writes into the header; lengths and revision are the builder's business. */
export interface ImageHeaderFields {
  appRevision: { major: number; minor: number; build: number };
  appName: string;
  sccBranch: string;
  sccCommit: string;
  sccFlags: number;
  buildDate: string;
  /** Hardware id: FND matches it, case-sensitively, with the device's hwInfo.hwId [TPD]. */
  hwId: string;
  subHwId: string;
  kernelRev: string;
  subKernelRev: string;
}

export interface ImageHeader extends ImageHeaderFields {
  headerVersion: number;
  headerLength: number;
  /** Header plus image binary, bytes. */
  appLength: number;
  /** 'ok': the [TPD] CRC matches; 'absent': its 4 bytes are zero, as the draft's reserved bytes are. */
  crc: 'ok' | 'absent';
}

/** Every image decode failure is built here. */
export function imageError(offset: number, code: DecodeErrorCode, reason: string): DecodeError {
  return new DecodeError('firmware-image', offset, code, reason);
}

/** Reads the header at the start of `bytes` (an image file or its first 256 bytes). Throws DecodeError. */
export function parseImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length < IMAGE_HEADER_LENGTH) {
    throw imageError(bytes.length, 'truncated', `image header truncated: ${bytes.length} of ${IMAGE_HEADER_LENGTH} bytes`);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, IMAGE_HEADER_LENGTH);
  const u32 = (at: number) => v.getUint32(at, true);
  const headerVersion = u32(F.headerVersion);
  if (headerVersion !== IMAGE_HEADER_VERSION) throw imageError(F.headerVersion, 'unsupported', `header version ${headerVersion}, expected ${IMAGE_HEADER_VERSION}`);
  const headerLength = u32(F.headerLength);
  if (headerLength !== IMAGE_HEADER_LENGTH) throw imageError(F.headerLength, 'bad-value', `header length ${headerLength}, expected ${IMAGE_HEADER_LENGTH}`);
  const appLength = u32(F.appLength);
  if (appLength < IMAGE_HEADER_LENGTH) throw imageError(F.appLength, 'inconsistent', `app length ${appLength} is shorter than the header`);
  const stored = u32(F.crc);
  const computed = tpdCrc32(bytes.subarray(0, F.crc));
  if (stored !== 0 && stored !== computed) {
    throw imageError(F.crc, 'bad-value', `header CRC-32 ${hex32(stored)} does not match the header (${hex32(computed)})`);
  }
  const text = {} as Record<TextField, string>;
  for (const name of TEXT_FIELDS) text[name] = readText(bytes, F[name]);
  return {
    headerVersion,
    headerLength,
    appRevision: { major: u32(F.major), minor: u32(F.minor), build: u32(F.build) },
    appLength,
    sccFlags: u32(F.sccFlags),
    ...text,
    crc: stored === 0 ? 'absent' : 'ok',
  };
}

/**
 * The header of `fields` for an image binary of `binaryLength` bytes, with the [TPD] CRC unless
 * `crc` is false (the draft layout). Throws RangeError for a field its slot cannot hold.
 */
export function emitImageHeader(fields: ImageHeaderFields, binaryLength: number, opts: { crc?: boolean } = {}): Uint8Array {
  const out = new Uint8Array(IMAGE_HEADER_LENGTH);
  const v = new DataView(out.buffer);
  const u32 = (at: number, n: number, name: string) => {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new RangeError(`image header ${name}: ${n} is not a uint32`);
    v.setUint32(at, n, true);
  };
  u32(F.headerVersion, IMAGE_HEADER_VERSION, 'headerVersion');
  u32(F.headerLength, IMAGE_HEADER_LENGTH, 'headerLength');
  u32(F.major, fields.appRevision.major, 'appRevision.major');
  u32(F.minor, fields.appRevision.minor, 'appRevision.minor');
  u32(F.build, fields.appRevision.build, 'appRevision.build');
  u32(F.appLength, IMAGE_HEADER_LENGTH + binaryLength, 'appLength');
  u32(F.sccFlags, fields.sccFlags, 'sccFlags');
  for (const name of TEXT_FIELDS) writeText(out, F[name], fields[name], name);
  if (opts.crc ?? true) v.setUint32(F.crc, tpdCrc32(out.subarray(0, F.crc)), true);
  return out;
}

/** "major.minor.build", the version string an NMS announces for the image. */
export function imageVersion(h: Pick<ImageHeaderFields, 'appRevision'>): string {
  return `${h.appRevision.major}.${h.appRevision.minor}.${h.appRevision.build}`;
}

/** Text up to the first NUL, without the draft's 0x20 padding; bytes as Latin-1 (vendor strings are ASCII). */
function readText(bytes: Uint8Array, [start, end]: readonly [number, number]): string {
  let stop = start;
  while (stop < end && bytes[stop] !== 0) stop++;
  while (stop > start && bytes[stop - 1] === 0x20) stop--;
  return String.fromCharCode(...bytes.subarray(start, stop));
}

function writeText(out: Uint8Array, [start, end]: readonly [number, number], text: string, name: string): void {
  if (text.length > end - start) throw new RangeError(`image header ${name}: ${JSON.stringify(text)} is longer than ${end - start} bytes`);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || c === 0) throw new RangeError(`image header ${name}: character ${i} of ${JSON.stringify(text)} is not Latin-1 text`);
    out[start + i] = c;
  }
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}
