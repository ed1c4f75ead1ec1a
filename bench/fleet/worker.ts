/**
 * A fleet bench worker thread: measures node:crypto on its core, or the bare exchange
 * (bare-exchange.ts), or the codec exchange (codec-exchange.ts), or runs one shard (an NMS and its meters). Driven by bench/fleet.ts's child process with messages, so every shard starts
 * sending at the same moment.
 */
import { parentPort } from 'node:worker_threads';
import { bareExchange } from './bare-exchange.js';
import { codecExchange } from './codec-exchange.js';
import { cryptoLimit } from './crypto-limit.js';
import { prepareShard, type Shard, type ShardOptions } from './shard.js';

export type WorkerRequest = { op: 'crypto'; seconds: number } | { op: 'bare'; count: number } | { op: 'codec'; count: number; shard: number } | { op: 'prepare'; shard: ShardOptions } | { op: 'go' };
export type WorkerReply =
  | { op: 'crypto'; rates: Awaited<ReturnType<typeof cryptoLimit>> }
  | { op: 'bare'; exchangesPerSec: number }
  | { op: 'codec'; exchangesPerSec: number }
  | { op: 'ready' }
  | { op: 'done'; result: import('./shard.js').ShardResult }
  | { op: 'error'; message: string };

const port = parentPort;
if (port === null) throw new Error('bench/fleet/worker.js is a worker thread, not a program');
let shard: Shard | undefined;

port.on('message', (m: WorkerRequest) => {
  handle(m).then(
    (reply) => port.postMessage(reply, reply.op === 'done' ? [reply.result.sentAt.buffer as ArrayBuffer, reply.result.doneAt.buffer as ArrayBuffer] : []),
    (e: Error) => port.postMessage({ op: 'error', message: e.stack ?? e.message } satisfies WorkerReply),
  );
});

async function handle(m: WorkerRequest): Promise<WorkerReply> {
  switch (m.op) {
    case 'crypto':
      return { op: 'crypto', rates: await cryptoLimit(m.seconds) };
    case 'bare':
      return { op: 'bare', exchangesPerSec: await bareExchange(m.count) };
    case 'codec':
      return { op: 'codec', exchangesPerSec: await codecExchange(m.count, m.shard) };
    case 'prepare':
      shard = await prepareShard(m.shard);
      return { op: 'ready' };
    case 'go': {
      if (shard === undefined) throw new Error('go before prepare');
      try {
        return { op: 'done', result: await shard.run() };
      } finally {
        await shard.stop();
      }
    }
  }
}
