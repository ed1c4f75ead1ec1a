/** Shared by the driver tests: bounded waits on events (no fixed sleeps) and literal bytes. */
import type { EventEmitter } from 'node:events';
import { hexBytes } from '../../support/hex.js';
import { captureCoap } from '../../support/vectors.js';

/** Rejects with a message naming `what` if `p` has not settled within `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  const timeout = new Promise<never>((_, rej) => {
    t = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

/** The first `event` (its first argument), bounded. */
export function next<T = unknown>(em: EventEmitter, event: string, ms = 5000): Promise<T> {
  return within(new Promise<T>((res) => em.once(event, (v: T) => res(v))), ms, `'${event}'`);
}

/** Resolves once `pred` holds for the bytes received so far (accumulated from 'data' events). */
export function bytesUntil(em: EventEmitter, pred: (all: Buffer) => boolean, ms = 5000, what = 'bytes'): Promise<Buffer> {
  const got: Buffer[] = [];
  return within(
    new Promise<Buffer>((res) => {
      const on = (b: Buffer) => {
        got.push(b);
        const all = Buffer.concat(got);
        if (pred(all)) {
          em.off('data', on);
          res(all);
        }
      };
      em.on('data', on);
    }),
    ms,
    what,
  );
}

/**
 * csmp_get.pcap frame 5 without Ethernet (csmp-protocol.md 8.2): FND GET /c?q=2 to the agent.
 * Written out, not read from the capture: the pcap reader and IPv6 parser are checked against it.
 */
export const FRAME5 = hexBytes(`
  60 07 48 bb 00 13 11 40
  20 18 00 00 00 00 00 00 00 00 00 00 00 00 00 02
  20 18 00 00 00 00 00 00 00 00 00 00 00 00 01 88
  f4 7e f0 bc 00 13 8f 9e
  41 01 00 01 01 b1 63 43 71 3d 32`);

/** CoAP of frame 6: ACK 2.05 with the DeviceID TLV (61 45 00 01 01 ff 02 94 00 08 01 12 10 …). */
export const FRAME6_COAP = captureCoap('csmp_get.pcap', 6);

export { VECTORS } from '../../support/vectors.js';
