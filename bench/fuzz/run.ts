/**
 * `npm run fuzz`: every decoder (pcap, pcapng, SLIP, IPv6/UDP, CoAP, TLV, YAML config) over
 * 1,000,000 mutated inputs each (`--inputs N` to change), in two worker threads (the CI machine's
 * two cores); each decoder's inputs are cut in two halves, so a slow decoder (YAML) has both.
 * Counts escapes (a throw other than the decoder's typed error) and hangs: an input over 1 s is
 * slow, and an input still decoding after 10 s is a hang: its worker is stopped, the input named
 * and skipped, and the run goes on. Exit 1 when any escape or hang was seen. Input i is a function
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
const STALL_MS = 10_000;

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

function fuzzRange(name: string, first: number, end: number): Promise<Totals> {
  const t: Totals = { name, inputs: 0, escapes: 0, slow: 0, hangs: 0, maxMs: 0, seconds: 0, samples: [] };
  const started = Date.now();
  let said = 0;
  return new Promise((done) => {
    const from = (start: number): void => {
      if (start >= end) {
        t.seconds = (Date.now() - started) / 1000;
        return done(t);
      }
      let reached = start;
      const current = new Int32Array(new SharedArrayBuffer(4));
      // -1 until the worker has loaded and begun (loading is not decoding).
      current[0] = -1;
      const w = new Worker(worker, { workerData: { name, seed, from: start, to: end, current: current.buffer } });
      // The input being decoded, looked at every STALL_MS: the same one twice is a hang.
      let seen = -1;
      const timer = setInterval(() => {
        const now = Atomics.load(current, 0);
        if (now !== seen || now < 0) return void (seen = now);
        clearInterval(timer);
        t.hangs++;
        t.inputs += now - start + 1;
        t.samples.push({ hang: `input ${now}` });
        void w.terminate();
        from(now + 1);
      }, STALL_MS);
      w.on('message', (m: { done?: number; result?: Omit<Totals, 'name' | 'hangs' | 'seconds'> }) => {
        if (m.done !== undefined) {
          reached = m.done;
          // A long job says where it is, so a stopped one still gives its figures.
          const step = Math.floor((m.done - first) / 100_000);
          if (step > said) process.stderr.write(`${name} [${first.toLocaleString('en')}, ${end.toLocaleString('en')}): ${(step * 100_000).toLocaleString('en')} inputs, ${t.hangs} hangs so far\n`);
          said = Math.max(said, step);
          return;
        }
        clearInterval(timer);
        const r = m.result!;
        t.inputs += r.inputs;
        t.escapes += r.escapes;
        t.slow += r.slow;
        t.maxMs = Math.max(t.maxMs, r.maxMs);
        t.samples.push(...r.samples);
        from(end);
      });
      w.on('error', (e) => {
        clearInterval(timer);
        const at = Math.max(start, Atomics.load(current, 0));
        t.escapes++;
        t.inputs += at - start + 1;
        t.samples.push({ worker: String(e), input: at });
        from(at + 1);
      });
    };
    from(first);
  });
}

const results: Totals[] = [];
const half = Math.ceil(inputs / 2);
const jobs = names.flatMap((name) => [
  { name, from: 0, to: half },
  { name, from: half, to: inputs },
]).filter((j) => j.from < j.to);
const halves = new Map<string, Totals[]>();
await Promise.all(
  [0, 1].map(async () => {
    for (let j = jobs.shift(); j !== undefined; j = jobs.shift()) {
      const part = await fuzzRange(j.name, j.from, j.to);
      const done = [...(halves.get(j.name) ?? []), part];
      halves.set(j.name, done);
      if (done.reduce((n, p) => n + p.inputs, 0) < inputs) continue;
      // seconds: the longer half's wall time, which is the decoder's time on two cores.
      const r = done.reduce((a, p) => ({ ...a, inputs: a.inputs + p.inputs, escapes: a.escapes + p.escapes, slow: a.slow + p.slow, hangs: a.hangs + p.hangs, maxMs: Math.max(a.maxMs, p.maxMs), seconds: Math.max(a.seconds, p.seconds), samples: [...a.samples, ...p.samples] }));
      results.push(r);
      process.stdout.write(`${r.name.padEnd(12)} ${r.inputs.toLocaleString('en')} inputs in ${r.seconds.toFixed(1)} s: ${r.escapes} escapes, ${r.hangs} hangs, ${r.slow} slow (>1 s), slowest ${r.maxMs.toFixed(1)} ms\n`);
      for (const s of r.samples) process.stdout.write(`  ${JSON.stringify(s)}\n`);
    }
  }),
);
const bad = results.reduce((n, r) => n + r.escapes + r.hangs + r.slow, 0);
process.stdout.write(`fuzz: ${results.length} decoders, seed ${seed}: ${bad === 0 ? 'no escape, no hang' : `${bad} findings`}\n`);
process.exit(bad === 0 ? 0 : 1);
