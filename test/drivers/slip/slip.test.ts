import fc from 'fast-check';
import { DropCounter } from '../../../core/drop-counter.js';
import { SlipDecoder, SLIP_DROP } from '../../../drivers/slip/slip-decoder.js';
import { END, ESC, slipEncode } from '../../../drivers/slip/slip-encode.js';
import { hexBytes } from '../../support/hex.js';

/** Feeds chunks, ends the stream, returns what came out. Watches the decoder's buffer on the way. */
async function decodeAll(chunks: Uint8Array[], maxFrame = 2048): Promise<{ frames: Buffer[]; drops: Record<string, number>; peak: number }> {
  const d = new SlipDecoder({ maxFrame });
  const frames: Buffer[] = [];
  d.on('data', (f: Uint8Array) => frames.push(Buffer.from(f)));
  let peak = 0;
  for (const c of chunks) {
    d.write(c);
    peak = Math.max(peak, d.buffer.length);
  }
  const ended = new Promise<void>((res, rej) => { d.once('end', res); d.once('error', rej); });
  d.end();
  await ended;
  return { frames, drops: d.drops.snapshot(), peak };
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) { out.push(bytes.subarray(prev, p)); prev = p; }
  out.push(bytes.subarray(prev));
  return out.filter((c) => c.length > 0);
}

describe('slipEncode', () => {
  test('escapes END and ESC and frames with END on both sides', () => {
    expect(slipEncode(hexBytes('01 c0 db 02'))).toEqual(hexBytes('c0 01 db dc db dd 02 c0'));
    expect(slipEncode(hexBytes('60 00'))).toEqual(hexBytes('c0 60 00 c0'));
    expect(slipEncode(new Uint8Array(0))).toEqual(hexBytes('c0 c0'));
  });
});

describe('SlipDecoder', () => {
  test('decodes escapes; tolerates leading and repeated END', async () => {
    const r = await decodeAll([hexBytes('c0 c0 01 db dc db dd 02 c0 c0 c0 03 c0')]);
    expect(r.frames).toEqual([Buffer.from(hexBytes('01 c0 db 02')), Buffer.from(hexBytes('03'))]);
    expect(r.drops).toEqual({});
  });

  test('a bad escape drops that frame only, counted', async () => {
    const r = await decodeAll([hexBytes('c0 01 db 05 02 c0 04 c0 05 db c0 06 c0')]);
    expect(r.frames).toEqual([Buffer.from(hexBytes('04')), Buffer.from(hexBytes('06'))]);
    expect(r.drops).toEqual({ [SLIP_DROP.badEscape]: 2 });
  });

  test('frames over maxFrame are dropped; exactly maxFrame passes, escaped or not', async () => {
    const max = 16;
    const ok = new Uint8Array(max).fill(0xc0);
    const big = new Uint8Array(max + 1).fill(0x11);
    const bigEscaped = new Uint8Array(max + 1).fill(0xdb);
    const r = await decodeAll([slipEncode(ok), slipEncode(big), slipEncode(bigEscaped), slipEncode(hexBytes('aa'))], max);
    expect(r.frames).toEqual([Buffer.from(ok), Buffer.from(hexBytes('aa'))]);
    expect(r.drops).toEqual({ [SLIP_DROP.oversize]: 2 });
  });

  test('a stream with no END is not buffered without bound, and resynchronises at the next END', async () => {
    const max = 64;
    const noise = new Uint8Array(4096).fill(0x55);
    const chunks = [...splitAt(noise, [100, 1000, 1001, 3000]), hexBytes('c0'), slipEncode(hexBytes('60 01'))];
    const r = await decodeAll(chunks, max);
    expect(r.frames).toEqual([Buffer.from(hexBytes('60 01'))]);
    expect(r.drops).toEqual({ [SLIP_DROP.oversize]: 1 });
    expect(r.peak).toBeLessThanOrEqual(2 * max);
  });

  test('bytes left without END at end of stream are counted, not emitted', async () => {
    const r = await decodeAll([hexBytes('c0 01 02 c0 03 04')]);
    expect(r.frames).toEqual([Buffer.from(hexBytes('01 02'))]);
    expect(r.drops).toEqual({ [SLIP_DROP.unterminated]: 1 });
  });

  test('reset() forgets a partial frame and counts it', () => {
    const drops = new DropCounter();
    const d = new SlipDecoder({ drops });
    d.write(hexBytes('c0 01 02'));
    d.reset();
    expect(d.buffer.length).toBe(0);
    expect(drops.get(SLIP_DROP.unterminated)).toBe(1);
  });

  test('bad options fail at construction naming the option', () => {
    expect(() => new SlipDecoder({ maxFrame: 0 })).toThrow(/"maxFrame"/);
    expect(() => new SlipDecoder({ maxFrame: 1.5 })).toThrow(TypeError);
  });
});

describe('SLIP properties', () => {
  const frame = fc.uint8Array({ minLength: 1, maxLength: 300 });

  test('any frames, any chunking: the same frames come out', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), fc.boolean(), async (frames, cuts, trailingEndOnly) => {
        // Senders differ: END before and after each frame, or only after.
        const parts = frames.map((f) => (trailingEndOnly ? slipEncode(f).subarray(1) : slipEncode(f)));
        const stream = Buffer.concat(parts);
        const r = await decodeAll(splitAt(stream, cuts), 300);
        expect(r.frames).toEqual(frames.map((f) => Buffer.from(f)));
        expect(r.drops).toEqual({});
      }),
    );
  });

  test('random bytes, any chunking: frames or counted drops, never a throw, bounded memory', async () => {
    const max = 64;
    // Bias towards the special bytes so escapes and ENDs are common.
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(END, ESC, 0xdc, 0xdd));
    await fc.assert(
      fc.asyncProperty(fc.array(byte, { maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 20 }), async (bytes, cuts) => {
        const r = await decodeAll(splitAt(Uint8Array.from(bytes), cuts), max);
        for (const f of r.frames) {
          expect(f.length).toBeGreaterThan(0);
          expect(f.length).toBeLessThanOrEqual(max);
        }
        expect(r.peak).toBeLessThanOrEqual(2 * max);
        // Whatever came out re-encodes to something the decoder reads back identically.
        const again = await decodeAll([Buffer.concat(r.frames.map((f) => slipEncode(f)))], max);
        expect(again.frames).toEqual(r.frames);
      }),
    );
  });
});
