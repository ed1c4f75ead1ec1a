/**
 * SLIP decoding alone: our decoder (DelimiterParser split, own unescape, capped and counted) against
 * @serialport/parser-slip-encoder's SlipDecoder, on the same stream. This is the measurement behind
 * the choice documented in drivers/slip/slip-decoder.ts.
 */
import { SlipDecoder as SerialportSlipDecoder } from '@serialport/parser-slip-encoder';
import { SlipDecoder } from '../drivers/slip/slip-decoder.js';
import { slipEncode } from '../drivers/slip/slip-encode.js';
import type { Transform } from 'node:stream';

export function benchSlip(packet: Uint8Array, log: (s: string) => void): { ours: number; serialport: number } {
  const frames = 20_000;
  const one = slipEncode(packet);
  const stream = Buffer.alloc(one.length * frames);
  for (let i = 0; i < frames; i++) stream.set(one, i * one.length);
  const time = (decoder: Transform, n: number) => {
    let seen = 0;
    decoder.on('data', () => seen++);
    const t0 = process.hrtime.bigint();
    for (let off = 0; off < one.length * n; off += 65536) decoder.write(stream.subarray(off, Math.min(off + 65536, one.length * n)));
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    if (seen !== n) throw new Error(`SLIP bench: ${seen} of ${n} frames decoded`);
    return n / sec;
  };
  const ours = time(new SlipDecoder(), frames);
  // Its decoder is quadratic in the frame length: a smaller sample keeps the bench short.
  const serialport = time(new SerialportSlipDecoder() as unknown as Transform, 1_000);
  log(`slip decode  ours: ${Math.round(ours).toLocaleString('en-US')} frames/s; @serialport/parser-slip-encoder: ${Math.round(serialport).toLocaleString('en-US')} frames/s`);
  return { ours, serialport };
}
