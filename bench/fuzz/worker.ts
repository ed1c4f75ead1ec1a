/** One decoder's share of the fuzz job (run.ts), in a worker so a hang can be stopped. */
import { parentPort, workerData } from 'node:worker_threads';
import { drive } from './drive.js';
import { TARGETS } from './targets.js';

const { name, seed, from, to, current } = workerData as { name: string; seed: number; from: number; to: number; current: SharedArrayBuffer };
const target = TARGETS.find((t) => t.name === name)!;
const result = drive(target, seed, from, to, 1000, (done) => parentPort!.postMessage({ done }), new Int32Array(current));
parentPort!.postMessage({ result });
