/**
 * Drives one decoder over inputs [from, to): counts inputs, escapes (a throw the decoder does not
 * document) and slow inputs (over `slowMs`, a hang in the making). Used by the fuzz job's workers
 * and, with a short budget, by `npm test`.
 */
import { fuzzInput } from '../../harness/fuzz/byte-mutation.js';
import type { FuzzTarget } from './targets.js';

export interface Escape {
  index: number;
  error: string;
  inputHex: string;
}

export interface DriveResult {
  inputs: number;
  escapes: number;
  slow: number;
  /** The first few escapes, to reproduce. */
  samples: Escape[];
  maxMs: number;
}

/**
 * `current`, when given, holds the index of the input being decoded (shared with the fuzz job's
 * watchdog, which names the exact input of a hang).
 */
export function drive(target: FuzzTarget, seed: number, from: number, to: number, slowMs = 1000, onBatch?: (done: number) => void, current?: Int32Array): DriveResult {
  const out: DriveResult = { inputs: 0, escapes: 0, slow: 0, samples: [], maxMs: 0 };
  // The first call compiles schemas and warms the JIT: not the input's time.
  for (const s of target.seeds) {
    try {
      target.run(s);
    } catch {
      // Judged below like any other input.
    }
  }
  for (let i = from; i < to; i++) {
    const input = fuzzInput(target.seeds, seed, i);
    if (current) Atomics.store(current, 0, i);
    const t0 = performance.now();
    try {
      target.run(input);
    } catch (e) {
      if (!target.expected(e)) {
        out.escapes++;
        if (out.samples.length < 5) out.samples.push({ index: i, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), inputHex: Buffer.from(input.subarray(0, 256)).toString('hex') });
      }
    }
    const ms = performance.now() - t0;
    if (ms > out.maxMs) out.maxMs = ms;
    if (ms > slowMs) out.slow++;
    out.inputs++;
    if (onBatch && out.inputs % 5000 === 0) onBatch(i + 1);
  }
  return out;
}
