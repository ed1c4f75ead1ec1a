/**
 * Fleet registration on every core: N virtual meters (fleet mode, one UDP socket each on ::1)
 * register against the harness's NMS role, split into one shard per core (bench/fleet/shard.ts:
 * an Nms and its meters on a worker thread). Measured in the same run, just before and on the
 * same threads: node:crypto's sign and verify rates, one thread alone and then all at once, so
 * the registration rate reads as a fraction of the machine's all-core cryptographic limit (each
 * registration costs one sign at the NMS and one verify at the meter); beside it two exchanges
 * on the same kind of sockets: the bare one (the same datagrams and crypto, no protocol code), the
 * ceiling Node itself sets, and the codec one (the same through the harness's CoAP/CSMP codec with
 * no state), the ceiling of anything built on that codec.
 *
 * Registration time: from the meter's first /r leaving its socket to its acceptance of the
 * signed 2.03 (the 'registered' event, after sigOk). Rate: N / (last acceptance - first /r),
 * over all shards. Memory: the process's RSS high-water mark (getrusage maxrss, every thread)
 * and the sum of the shards' V8 heap peaks. The whole measurement runs in a child process
 * (`benchFleet` spawns this file with --child), so the other sections' allocations are not in its
 * RSS high-water mark; run it alone with `node dist/bench/fleet.js [--count=N] [--threads=K]`.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CryptoRates } from './fleet/crypto-limit.js';
import type { ShardResult } from './fleet/shard.js';
import type { WorkerReply, WorkerRequest } from './fleet/worker.js';

export interface FleetBenchOptions {
  /** Meters (default 10 000). */
  count?: number;
  /** Worker threads, one shard each (default: the machine's available parallelism). */
  threads?: number;
  /** Registrations outstanding at once, per shard (default 32). */
  concurrency?: number;
  /** Bound on the fleet part, ms (default 120 000). */
  timeoutMs?: number;
  /** Seconds of each crypto measurement (default 1). */
  cryptoSeconds?: number;
}

export interface FleetFigures {
  count: number;
  threads: number;
  concurrency: number;
  registrationsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** /r sent beyond one per meter (lost or answered too late): 0 on a healthy run. */
  resentRegistrations: number;
  peakRssMB: number;
  peakHeapMB: number;
  /** Heap still in use once every meter registered (after a full GC). */
  settledHeapMB: number;
  /** One thread alone. */
  oneCore: CryptoRates;
  /** Every thread at once, summed: the machine's bound. */
  allCores: CryptoRates;
  /** registrationsPerSec / allCores.signVerifyPerSec. */
  ratio: number;
  /** The bare exchange (bench/fleet/bare-exchange.ts) on every thread at once, summed: Node's own ceiling. */
  bareExchangesPerSec: number;
  /** The codec exchange (bench/fleet/codec-exchange.ts) on every thread at once, summed: the harness's codec with no state. */
  codecExchangesPerSec: number;
  startupSec: number;
}

const here = fileURLToPath(import.meta.url);
const workerFile = new URL('./fleet/worker.js', import.meta.url);
/**
 * Registrations outstanding at once per shard. Each is a /r and then a report to the NMS socket,
 * whose default receive buffer holds ~90 datagrams of this size: 32 leaves room (96 starts losing
 * some), and from 16 to 64 the rate on this machine is the same within noise (only the
 * registration time grows with the window, as queueing does).
 */
const DEFAULT_WINDOW = 32;

/** Runs the measurement in a child process and prints the section's lines. Throws when a check fails. */
export async function benchFleet(log: (s: string) => void, opts: FleetBenchOptions = {}): Promise<FleetFigures> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const child = spawn(process.execPath, ['--expose-gc', here, '--child', JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  // The child bounds itself; this is the backstop (crypto + start-up + fleet + slack).
  const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(kill);
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (code !== 0 || line === undefined) {
    throw new Error(`fleet bench failed (exit ${code}): ${(err.trim() || out.trim()).split('\n').slice(-6).join(' | ')}`);
  }
  const f = JSON.parse(line) as FleetFigures;
  printFigures(f, log);
  return f;
}

export function printFigures(f: FleetFigures, log: (s: string) => void): void {
  const c = (r: CryptoRates): string => `sign ${fmt(r.signPerSec)}/s, verify ${fmt(r.verifyPerSec)}/s, sign+verify ${fmt(r.signVerifyPerSec)}/s`;
  log(`fleet        ${fmt(f.count)} meters register on ::1 in ${f.threads} shards (worker threads), signed 2.03 verified by each (window ${f.concurrency} per shard, start-up ${f.startupSec.toFixed(1)} s)`);
  log(`fleet        ${fmt(f.registrationsPerSec)} registrations/s; registration time p50 ${f.p50Ms.toFixed(1)} ms, p99 ${f.p99Ms.toFixed(1)} ms, max ${f.maxMs.toFixed(1)} ms; ${f.resentRegistrations} /r resent`);
  log(`fleet        peak RSS ${fmt(f.peakRssMB)} MB (NMS shards + fleet, one process); heap used peak ${fmt(f.peakHeapMB)} MB, ${fmt(f.settledHeapMB)} MB live when all registered`);
  log(`ecdsa P-256  ${f.allCores.signedBytes}-byte payload, SHA-256, one core: ${c(f.oneCore)}`);
  log(`ecdsa P-256  all ${f.threads} cores at once: ${c(f.allCores)} → registrations at ${(f.ratio * 100).toFixed(0)}% of the all-core sign+verify bound`);
  const pct = (r: number): string => `${((r / f.allCores.signVerifyPerSec) * 100).toFixed(0)}% of the bound`;
  const on = `on ${f.threads} thread${f.threads === 1 ? '' : 's'}, one socket per meter`;
  log(`bare exchange  ${fmt(f.bareExchangesPerSec)}/s ${on} (the three datagrams, one sign, one verify; no CoAP, TLVs or state) = ${pct(f.bareExchangesPerSec)}: Node's ceiling`);
  log(`codec exchange ${fmt(f.codecExchangesPerSec)}/s ${on} (the same through the harness's CoAP/CSMP codec, every TLV decoded; no state, events or timers) = ${pct(f.codecExchangesPerSec)}; the fleet runs at ${((f.registrationsPerSec / f.codecExchangesPerSec) * 100).toFixed(0)}% of it`);
}

// ---- the child ----

class ShardWorker {
  private readonly worker = new Worker(workerFile);
  private pending: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void } | undefined;

  constructor() {
    this.worker.on('message', (r: WorkerReply) => {
      const p = this.pending;
      this.pending = undefined;
      if (r.op === 'error') p?.reject(new Error(r.message));
      else p?.resolve(r);
    });
    this.worker.on('error', (e) => this.pending?.reject(e));
    this.worker.on('exit', (code) => this.pending?.reject(new Error(`fleet worker exited (${code})`)));
  }

  ask<T extends WorkerReply['op']>(m: WorkerRequest, want: T): Promise<Extract<WorkerReply, { op: T }>> {
    return new Promise((resolve, reject) => {
      this.pending = {
        resolve: (r) => (r.op === want ? resolve(r as Extract<WorkerReply, { op: T }>) : reject(new Error(`fleet worker answered ${r.op} to ${m.op}`))),
        reject,
      };
      this.worker.postMessage(m);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

async function measure(opts: FleetBenchOptions): Promise<FleetFigures> {
  const count = opts.count ?? 10_000;
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), count));
  const concurrency = opts.concurrency ?? DEFAULT_WINDOW;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const seconds = opts.cryptoSeconds ?? 1;
  const workers = Array.from({ length: threads }, () => new ShardWorker());
  try {
    const oneCore = (await workers[0]!.ask({ op: 'crypto', seconds }, 'crypto')).rates;
    const each = (await Promise.all(workers.map((w) => w.ask({ op: 'crypto', seconds }, 'crypto')))).map((r) => r.rates);
    const allCores: CryptoRates = {
      signedBytes: oneCore.signedBytes,
      signPerSec: sum(each.map((r) => r.signPerSec)),
      verifyPerSec: sum(each.map((r) => r.verifyPerSec)),
      signVerifyPerSec: sum(each.map((r) => r.signVerifyPerSec)),
    };
    // As many exchanges as the fleet registers, split the same way, all threads at once.
    const sizes = workers.map((_, i) => Math.floor(count / threads) + (i < count % threads ? 1 : 0));
    const bare = await Promise.all(workers.map((w, i) => w.ask({ op: 'bare', count: sizes[i]! }, 'bare')));
    const bareExchangesPerSec = sum(bare.map((b) => b.exchangesPerSec));
    const codec = await Promise.all(workers.map((w, i) => w.ask({ op: 'codec', count: sizes[i]!, shard: i }, 'codec')));
    const codecExchangesPerSec = sum(codec.map((c) => c.exchangesPerSec));
    await Promise.all(workers.map((w, i) => w.ask({ op: 'prepare', shard: { shard: i, count: sizes[i]!, concurrency: Math.min(concurrency, sizes[i]!), timeoutMs } }, 'ready')));
    const results: ShardResult[] = (await Promise.all(workers.map((w) => w.ask({ op: 'go' }, 'done')))).map((r) => r.result);

    let firstSent = Infinity;
    let lastDone = 0;
    const times: number[] = [];
    for (const r of results) {
      for (let i = 0; i < r.count; i++) {
        firstSent = Math.min(firstSent, r.sentAt[i]!);
        lastDone = Math.max(lastDone, r.doneAt[i]!);
        times.push(r.doneAt[i]! - r.sentAt[i]!);
      }
    }
    times.sort((a, b) => a - b);
    const registrationsPerSec = count / ((lastDone - firstSent) / 1000);
    return {
      count,
      threads,
      concurrency,
      registrationsPerSec,
      p50Ms: quantile(times, 0.5),
      p99Ms: quantile(times, 0.99),
      maxMs: times[times.length - 1]!,
      resentRegistrations: sum(results.map((r) => r.resent)),
      peakRssMB: (process.resourceUsage().maxRSS * 1024) / (1024 * 1024),
      peakHeapMB: sum(results.map((r) => r.peakHeapMB)),
      settledHeapMB: sum(results.map((r) => r.settledHeapMB)),
      oneCore,
      allCores,
      ratio: registrationsPerSec / allCores.signVerifyPerSec,
      bareExchangesPerSec,
      codecExchangesPerSec,
      startupSec: Math.max(...results.map((r) => r.startupSec)),
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const child = process.argv[2] === '--child';
  const opts = (child ? JSON.parse(process.argv[3] ?? '{}') : {}) as FleetBenchOptions;
  if (!child) {
    for (const a of process.argv.slice(2)) {
      const [k, v] = a.replace(/^--/, '').split('=');
      if (k === 'count' || k === 'threads' || k === 'concurrency' || k === 'timeoutMs' || k === 'cryptoSeconds') opts[k] = Number(v);
    }
  }
  measure(opts).then(
    (f) => {
      if (child) process.stdout.write(`${JSON.stringify(f)}\n`);
      else printFigures(f, (s) => process.stdout.write(`${s}\n`));
      process.exit(0);
    },
    (e: Error) => {
      process.stderr.write(`${e.stack ?? e.message}\n`);
      process.exit(1);
    },
  );
}
