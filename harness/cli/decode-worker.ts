/**
 * A `hil decode` worker thread: decodes and renders the batches of frames DecodePool sends it,
 * and sends back their output bytes. Frames only: record framing, damage and the order of the
 * output stay with the main thread. Buffers travel both ways and come back to be used again: a
 * fresh one per batch grew memory outside the heap by tens of MB before a collection freed them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ByteWriter } from '../../core/byte-writer.js';
import { decodeIpv6Message } from '../decode/message.js';
import type { MessageContext } from '../decode/render.js';
import { FrameLines, NO_FACTS, type LineSettings } from './decode-lines.js';
import { batchTransfer, type BatchReply, type ToWorker } from './decode-pool.js';

const port = parentPort;
if (port === null) throw new Error('decode-worker.js is a worker thread, not a program');
const lines = new FrameLines((workerData as { settings: LineSettings }).settings);
/** Output buffers the main thread has written and handed back. */
const spare: ArrayBuffer[] = [];

port.on('message', (m: ToWorker) => {
  if (m.kind === 'recycle') {
    spare.push(m.out);
    return;
  }
  const b = m.batch;
  const packets = new Uint8Array(b.packets, 0, b.length);
  const reuse = spare.pop();
  // Text is about three bytes per packet byte, JSON five: a new buffer starts there, and grows.
  const w = new ByteWriter(reuse ? Buffer.from(reuse) : Math.max(4096, b.length * 4));
  let start = 0;
  for (let i = 0; i < b.count; i++) {
    const end = b.ends[i]!;
    const msg = decodeIpv6Message(packets.subarray(start, end), { trailing: 'ignore' });
    start = end;
    const time = b.hasTime[i] === 1 ? b.times[i] : undefined;
    if (!lines.passes(msg, NO_FACTS, time)) continue;
    const ctx: MessageContext = time !== undefined ? { frame: b.frames[i], time } : { frame: b.frames[i] };
    lines.write(w, msg, ctx);
  }
  const reply: BatchReply = { out: w.buf.buffer as ArrayBuffer, offset: w.buf.byteOffset, length: w.pos, batch: b };
  port.postMessage(reply, [reply.out, ...batchTransfer(b)]);
});
