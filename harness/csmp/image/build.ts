/**
 * A small builder of firmware image files for tests, benchmarks and lab experiments: a header
 * with sensible defaults, a pseudo-random binary (realistic for SLIP escaping: compressed or
 * encrypted images look random), and the knobs a rollout test needs to make an image misbehave.
 *
 * `boots: false` is the image-level "this firmware does not start" knob: the binary begins with
 * NO_BOOT_MARKER, which the virtual meters' boot loader (rigs/virtual/meter/boot-loader.ts)
 * refuses to start, as a real one refuses an image that fails its checks.
 */
import { emitImageHeader, IMAGE_HEADER_LENGTH, type ImageHeaderFields } from './header.js';

export const NO_BOOT_MARKER = Uint8Array.from('CSMP-HIL:NO-BOOT', (c) => c.charCodeAt(0));

export interface ImageBuildOptions extends Partial<Omit<ImageHeaderFields, 'appRevision'>> {
  /** "major.minor.build" (default 1.0.0). */
  version?: string;
  /** Whole file size in bytes, header included (default 4096); ignored when `binary` is given. */
  size?: number;
  binary?: Uint8Array;
  /** Seed of the pseudo-random binary (default 1). */
  seed?: number;
  /** false: the virtual meters' boot loader will not start this image. */
  boots?: boolean;
  /** 'tpd' (default): the [TPD] CRC; 'none': zeros (draft layout); 'wrong': a CRC that does not match. */
  crc?: 'tpd' | 'none' | 'wrong';
  /** Appended after the binary (vendor signature, pad); not counted in app length. */
  trailer?: Uint8Array;
}

export function buildImage(o: ImageBuildOptions = {}): Uint8Array {
  const size = o.binary ? IMAGE_HEADER_LENGTH + o.binary.length : (o.size ?? 4096);
  if (!Number.isInteger(size) || size < IMAGE_HEADER_LENGTH) throw new RangeError(`image size ${size} is smaller than its ${IMAGE_HEADER_LENGTH}-byte header`);
  const binary = o.binary ? o.binary.slice() : pseudoRandom(size - IMAGE_HEADER_LENGTH, o.seed ?? 1);
  if (o.boots === false) {
    if (binary.length < NO_BOOT_MARKER.length) throw new RangeError(`an image that does not boot needs at least ${NO_BOOT_MARKER.length} bytes of binary`);
    binary.set(NO_BOOT_MARKER, 0);
  }
  const header = emitImageHeader(
    {
      appRevision: parseVersion(o.version ?? '1.0.0'),
      appName: o.appName ?? 'csmp-hil test image',
      sccBranch: o.sccBranch ?? 'main',
      sccCommit: o.sccCommit ?? '0000000',
      sccFlags: o.sccFlags ?? 1,
      buildDate: o.buildDate ?? 'Jan 01 2026',
      hwId: o.hwId ?? 'HIL-VMETER',
      subHwId: o.subHwId ?? '',
      kernelRev: o.kernelRev ?? '',
      subKernelRev: o.subKernelRev ?? '',
    },
    binary.length,
    { crc: (o.crc ?? 'tpd') !== 'none' },
  );
  if (o.crc === 'wrong') header[252] = header[252]! ^ 0xff;
  const trailer = o.trailer ?? new Uint8Array(0);
  const out = new Uint8Array(header.length + binary.length + trailer.length);
  out.set(header, 0);
  out.set(binary, header.length);
  out.set(trailer, header.length + binary.length);
  return out;
}

/** Whether an image binary carries the does-not-boot marker. */
export function marksNoBoot(binary: Uint8Array): boolean {
  return binary.length >= NO_BOOT_MARKER.length && NO_BOOT_MARKER.every((b, i) => binary[i] === b);
}

function parseVersion(v: string): { major: number; minor: number; build: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  if (!m) throw new RangeError(`image version ${JSON.stringify(v)} is not major.minor.build`);
  return { major: Number(m[1]), minor: Number(m[2]), build: Number(m[3]) };
}

/** xorshift32 bytes: the same seed gives the same image. */
function pseudoRandom(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
