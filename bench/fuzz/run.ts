/**
 * `npm run fuzz`: every decoder (pcap, pcapng, SLIP, IPv6/UDP, CoAP, TLV, YAML config) over
 * 1,000,000 mutated inputs each (`--inputs N` to change), two decoders at a time in worker threads.
 * Counts escapes (a throw other than the decoder's typed error) and hangs: an input over 1 s is
 * slow, and a worker that reports no progress for 60 s is stopped and counted as a hang (its batch
 * is skipped and the run goes on). Exit 1 when any escape or hang was seen. Input i is a function
 * of (--seed, i) alone (mutate.ts), so a finding is reproduced from its index.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TARGETS } from './targets.js';

const { values } = parseArgs({ options: { inputs: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' }, target: { type: 'string', multiple: true } } });
const inputs = Number(values.inputs);
const seed = Number(values.seed);
if (!Number.isInteger(inputs) || inputs < 1 || !Number.isInteger(seed)) {
  process.stderr.write('usage: npm run fuzz -- [--inputs N] [--seed S] [--target NAME ...]\n');
  process.exit(2);
}
const names = values.target?.length ? values.target : TARGETS.map((t) => t.name);
const unknown = names.filter((n) => !TARGETS.some((t) => t.name === n));
if (unknown.length) {
  process.stderr.write(`unknown target ${unknown.join(', ')}; targets: ${TARGETS.map((t) => t.name).join(', ')}\n`);
  process.exit(2);
}
const worker = fileURLToPath(new URL('./worker.js', import.meta.url));
const STALL_MS = 60_000;

interface Totals {
  name: string;
  inputs: number;
  escapes: number;
  slow: number;
  hangs: number;
  maxMs: number;
  seconds: number;
  samples: unknown[];
}

function fuzzOne(name: string): Promise<Totals> {
  const t: Totals = { name, inputs: 0, escapes: 0, slow: 0, hangs: 0, maxMs: 0, seconds: 0, samples: [] };
  const started = Date.now();
  return new Promise((done) => {
    const from = (start: number): void => {
      if (start >= inputs) {
        t.seconds = (Date.now() - started) / 1000;
        return done(t);
      }
      let reached = start;
      const w = new Worker(worker, { workerData: { name, seed, from: start, to: inputs } });
      let timer = setTimeout(stalled, STALL_MS);
      function stalled(): void {
        // The input that hangs is somewhere in the batch after the last progress: skip that batch.
        t.hangs++;
        t.inputs += reached - start;
        t.samples.push({ hang: `inputs ${reached}..${reached + 5000}` });
        void w.terminate();
        from(reached + 5000);
      }
      w.on('message', (m: { done?: number; result?: Omit<Totals, 'name' | 'hangs' | 'seconds'> }) => {
        clearTimeout(timer);
        if (m.done !== undefined) {
          reached = m.done;
          // A long job says where it is, so a stopped one still gives its figures.
          if (reached % 100_000 === 0) process.stderr.write(`${name}: ${reached.toLocaleString('en')} inputs, ${t.escapes} escapes and ${t.hangs} hangs so far\n`);
          timer = setTimeout(stalled, STALL_MS);
          return;
        }
        const r = m.result!;
        t.inputs += r.inputs;
        t.escapes += r.escapes;
        t.slow += r.slow;
        t.maxMs = Math.max(t.maxMs, r.maxMs);
        t.samples.push(...r.samples);
        from(inputs);
      });
      w.on('error', (e) => {
        clearTimeout(timer);
        t.escapes++;
        t.inputs += reached - start;
        t.samples.push({ worker: String(e) });
        from(reached + 5000);
      });
    };
    from(0);
  });
}

const results: Totals[] = [];
const queue = [...names];
await Promise.all(
  [0, 1].map(async () => {
    for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
      const r = await fuzzOne(n);
      results.push(r);
      process.stdout.write(`${r.name.padEnd(12)} ${r.inputs.toLocaleString('en')} inputs in ${r.seconds.toFixed(1)} s: ${r.escapes} escapes, ${r.hangs} hangs, ${r.slow} slow (>1 s), slowest ${r.maxMs.toFixed(1)} ms\n`);
      for (const s of r.samples) process.stdout.write(`  ${JSON.stringify(s)}\n`);
    }
  }),
);
const bad = results.reduce((n, r) => n + r.escapes + r.hangs + r.slow, 0);
process.stdout.write(`fuzz: ${results.length} decoders, seed ${seed}: ${bad === 0 ? 'no escape, no hang' : `${bad} findings`}\n`);
process.exit(bad === 0 ? 0 : 1);
