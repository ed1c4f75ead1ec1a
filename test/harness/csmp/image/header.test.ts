import fc from 'fast-check';
import { DecodeError } from '../../../../core/errors.js';
import { buildImage, marksNoBoot, NO_BOOT_MARKER } from '../../../../harness/csmp/image/build.js';
import { emitImageHeader, imageVersion, parseImageHeader, type ImageHeaderFields } from '../../../../harness/csmp/image/header.js';
import { parseImageFile } from '../../../../harness/csmp/image/image-file.js';
import { tpdCrc32 } from '../../../../harness/csmp/image/tpd-crc32.js';

const FIELDS: ImageHeaderFields = {
  appRevision: { major: 6, minor: 0, build: 21 },
  appName: 'opencsmp-node',
  sccBranch: 'release/6.0',
  sccCommit: 'fffffff',
  sccFlags: 1,
  buildDate: 'Nov 24 2026',
  hwId: 'RFLAN/3.60/3.80',
  subHwId: '',
  kernelRev: 'None',
  subKernelRev: '',
};

const le32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const text = (b: Uint8Array, from: number, to: number) => Buffer.from(b.subarray(from, to)).toString('latin1');

function decodeErrorOf(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('no DecodeError');
}

describe('image header layout (TPD, 256 bytes little-endian)', () => {
  const h = emitImageHeader(FIELDS, 1000);

  test('fields sit at the documented offsets', () => {
    expect(h.length).toBe(256);
    expect([le32(h, 0), le32(h, 4), le32(h, 8), le32(h, 12), le32(h, 16), le32(h, 20), le32(h, 96)]).toEqual([2, 256, 6, 0, 21, 1256, 1]);
    expect(text(h, 24, 37)).toBe('opencsmp-node');
    expect(h[37]).toBe(0);
    expect(text(h, 56, 67)).toBe('release/6.0');
    expect(text(h, 88, 95)).toBe('fffffff');
    expect(text(h, 100, 111)).toBe('Nov 24 2026');
    expect(text(h, 116, 131)).toBe('RFLAN/3.60/3.80');
    expect(text(h, 180, 184)).toBe('None');
    expect([...h.subarray(212, 252)].every((b) => b === 0)).toBe(true);
    // The CRC covers bytes 0-251 and is stored little-endian in 252-255.
    expect(le32(h, 252)).toBe(tpdCrc32(h.subarray(0, 252)));
  });

  test('parses back, CRC ok; version string major.minor.build', () => {
    const p = parseImageHeader(h);
    expect(p).toEqual({ ...FIELDS, headerVersion: 2, headerLength: 256, appLength: 1256, crc: 'ok' });
    expect(imageVersion(p)).toBe('6.0.21');
  });

  test('the draft layout (zeros where TPD keeps the CRC) reads with crc absent; sub_hwid padded with spaces reads trimmed', () => {
    const draft = emitImageHeader({ ...FIELDS, subHwId: 'S1' }, 10, { crc: false });
    draft.fill(0x20, 150, 180);
    expect(parseImageHeader(draft)).toMatchObject({ crc: 'absent', subHwId: 'S1', appLength: 266 });
  });

  test('bad input is a DecodeError naming the field and its offset', () => {
    expect(decodeErrorOf(() => parseImageHeader(h.subarray(0, 100)))).toMatchObject({ layer: 'firmware-image', offset: 100, code: 'truncated', reason: 'image header truncated: 100 of 256 bytes' });
    const v3 = h.slice();
    v3[0] = 3;
    expect(decodeErrorOf(() => parseImageHeader(v3))).toMatchObject({ offset: 0, reason: 'header version 3, expected 2' });
    const len = h.slice();
    len[5] = 2;
    expect(decodeErrorOf(() => parseImageHeader(len))).toMatchObject({ offset: 4, reason: 'header length 512, expected 256' });
    const short = h.slice();
    new DataView(short.buffer).setUint32(20, 255, true);
    expect(decodeErrorOf(() => parseImageHeader(short))).toMatchObject({ offset: 20, reason: 'app length 255 is shorter than the header' });
    const flipped = h.slice();
    flipped[120] = flipped[120]! ^ 1;
    expect(decodeErrorOf(() => parseImageHeader(flipped))).toMatchObject({ offset: 252 });
    expect(decodeErrorOf(() => parseImageHeader(flipped)).reason).toMatch(/^header CRC-32 [0-9a-f]{8} does not match the header \([0-9a-f]{8}\)$/);
  });

  test('emit refuses what the header cannot hold', () => {
    expect(() => emitImageHeader({ ...FIELDS, hwId: 'x'.repeat(33) }, 0)).toThrow('image header hwId: "' + 'x'.repeat(33) + '" is longer than 32 bytes');
    expect(() => emitImageHeader({ ...FIELDS, appRevision: { major: -1, minor: 0, build: 0 } }, 0)).toThrow(RangeError);
    expect(() => emitImageHeader({ ...FIELDS, appName: 'Ω' }, 0)).toThrow('not Latin-1 text');
  });
});

describe('image files', () => {
  test('binary and trailer split at app length; a file shorter than app length is refused', () => {
    const img = buildImage({ version: '6.0.1', size: 1000, trailer: Uint8Array.of(0xff, 0xff) });
    const f = parseImageFile(img);
    expect([f.header.appLength, f.binary.length, [...f.trailer]]).toEqual([1000, 744, [0xff, 0xff]]);
    expect(decodeErrorOf(() => parseImageFile(img.subarray(0, 999)))).toMatchObject({ offset: 20, reason: "app length 1000 exceeds the file's 999 bytes" });
  });

  test('builder knobs: does-not-boot marker, wrong CRC, same seed same bytes', () => {
    expect(marksNoBoot(parseImageFile(buildImage({ boots: false })).binary)).toBe(true);
    expect(marksNoBoot(parseImageFile(buildImage()).binary)).toBe(false);
    expect(Buffer.from(NO_BOOT_MARKER).toString()).toBe('CSMP-HIL:NO-BOOT');
    expect(decodeErrorOf(() => parseImageFile(buildImage({ crc: 'wrong' }))).offset).toBe(252);
    expect(parseImageFile(buildImage({ crc: 'none' })).header.crc).toBe('absent');
    expect(buildImage({ seed: 5 })).toEqual(buildImage({ seed: 5 }));
    expect(buildImage({ seed: 5 })).not.toEqual(buildImage({ seed: 6 }));
  });
});

describe('properties', () => {
  const latin = (max: number) =>
    fc.string({ unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: max }).filter((s) => !s.endsWith(' '));
  const fields = fc.record({
    appRevision: fc.record({ major: fc.nat(), minor: fc.nat(), build: fc.nat() }),
    appName: latin(32),
    sccBranch: latin(32),
    sccCommit: latin(8),
    sccFlags: fc.nat(),
    buildDate: latin(16),
    hwId: latin(32),
    subHwId: latin(32),
    kernelRev: latin(16),
    subKernelRev: latin(16),
  });

  test('emit then parse gives the fields back', () => {
    fc.assert(
      fc.property(fields, fc.nat(1 << 20), (f, n) => {
        expect(parseImageHeader(emitImageHeader(f, n))).toEqual({ ...f, headerVersion: 2, headerLength: 256, appLength: 256 + n, crc: 'ok' });
      }),
    );
  });

  test('arbitrary or damaged bytes give a header or a DecodeError, never another exception', () => {
    const good = buildImage({ size: 600 });
    const damaged = fc.tuple(fc.nat(599), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
      const b = good.slice();
      b[at] = b[at]! ^ x;
      return b;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), damaged), (bytes) => {
        try {
          const f = parseImageFile(bytes);
          expect(f.header.appLength).toBeLessThanOrEqual(bytes.length);
        } catch (e) {
          if (!(e instanceof DecodeError) || e.layer !== 'firmware-image') throw e;
        }
      }),
    );
  });
});
