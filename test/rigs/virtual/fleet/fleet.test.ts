import { createSocket, type Socket } from 'node:dgram';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decodeCoap, encodeCoap } from '../../../../harness/coap/message.js';
import { startFleet, type Fleet } from '../../../../rigs/virtual/fleet/fleet.js';
import { tlvBytes } from '../support/nms-signer.js';

/** An NMS socket on ::1 that answers every /r with an unsigned 2.03 and counts reports. */
async function loopbackNms(): Promise<{ socket: Socket; port: number; reports: Map<number, number> }> {
  const socket = createSocket({ type: 'udp6', ipv6Only: true });
  await new Promise<void>((r) => socket.bind({ address: '::1', port: 0 }, () => r()));
  const reports = new Map<number, number>();
  const answer = tlvBytes([
    { type: 13, fields: { interval: 60, tlvid: ['22'] } },
    { type: 7, fields: { id: 'F' } },
  ]);
  socket.on('message', (b, rinfo) => {
    const m = decodeCoap(b);
    if (m.uriPath[0] === 'r') socket.send(encodeCoap({ type: 'ACK', code: '2.03', messageId: m.messageId, payload: answer }), rinfo.port, rinfo.address);
    else reports.set(rinfo.port, (reports.get(rinfo.port) ?? 0) + 1);
  });
  return { socket, port: socket.address().port, reports };
}

/** Heap in use after a full collection (the gc function exposed for this process). */
function retainedHeap(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

describe('fleet mode: many meters on UDP loopback in one process', () => {
  let fleet: Fleet | undefined;
  let nms: Awaited<ReturnType<typeof loopbackNms>> | undefined;
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
    await new Promise<void>((r) => (nms ? nms.socket.close(() => r()) : r()));
    nms = undefined;
  });

  test('300 meters register and report; each is told apart by its port and DeviceID', async () => {
    nms = await loopbackNms();
    const n = 300;
    fleet = await startFleet({ count: n, nms: { address: '::1', port: nms.port }, basePort: 0, timeScale: 60 });
    await new Promise<void>((resolve, reject) => {
      let left = n;
      const t = setTimeout(() => reject(new Error(`${left} meters did not register: ${JSON.stringify(fleet!.states())}`)), 20_000);
      for (const m of fleet!.meters) {
        m.agent.once('registered', () => {
          if (--left === 0) {
            clearTimeout(t);
            resolve();
          }
        });
      }
    });
    expect(fleet.states()).toEqual({ off: 0, registering: 0, registered: n, crashed: 0 });
    // The first report follows each registration at once.
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`reports from ${nms!.reports.size} meters only`)), 10_000);
      const poll = setInterval(() => {
        if (nms!.reports.size === n) {
          clearInterval(poll);
          clearTimeout(t);
          resolve();
        }
      }, 20);
    });
    expect(new Set(fleet.meters.map((m) => m.eui64)).size).toBe(n);
    expect(new Set(fleet.meters.map((m) => m.port)).size).toBe(n);
  });

  test('memory per meter stays small', async () => {
    nms = await loopbackNms();
    // What a meter keeps, not the garbage its start-up left for the collector: heapUsed read
    // without a collection first moved with the GC's timing (24,848 B on a loaded CI host,
    // against 24 KiB then).
    const before = retainedHeap();
    const n = 2000;
    fleet = await startFleet({ count: n, nms: { address: '::1', port: nms.port }, basePort: 0, timeScale: 1, regInterval: { min: 3600, max: 7200 } });
    const perMeter = (retainedHeap() - before) / n;
    // About 6.9 KB a meter retained when this file runs alone, 12.6 KB once seen in a full run on a
    // loaded host (not explained yet): the bound stays the 24 KiB it was.
    expect(perMeter).toBeLessThan(24 * 1024);
    expect(fleet.states().registering).toBe(n);
  });
});
