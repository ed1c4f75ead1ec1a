/**
 * Just enough NMS for the virtual rig's own tests: a SlipLink on the dongle pty, waiting on
 * datagrams, answering, and CON requests with reply matching by Message ID. (The harness's real
 * NMS lives in harness/nms; these tests must not depend on it.)
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Datagram } from '../../../../drivers/link/types.js';
import { SlipLink } from '../../../../drivers/link/slip-link.js';
import { decodeCoap, encodeCoap, type CoapMessage, type CoapMessageInit } from '../../../../harness/coap/message.js';

export interface Seen {
  d: Datagram;
  msg: CoapMessage | undefined;
  at: number;
  /** The NMS clock when it arrived (ms). */
  clockAt: number;
}

export class MiniNms {
  readonly seen: Seen[] = [];
  private waiters: { pred: (s: Seen) => boolean; resolve: (s: Seen) => void }[] = [];
  private mid = 0x4000;

  constructor(
    readonly link: SlipLink,
    private readonly clockNow: () => number = Date.now,
  ) {
    link.on('datagram', (d: Datagram) => {
      let msg: CoapMessage | undefined;
      try {
        msg = decodeCoap(d.payload);
      } catch {
        msg = undefined;
      }
      const s = { d, msg, at: performance.now(), clockAt: this.clockNow() };
      const w = this.waiters.find((x) => x.pred(s));
      if (w) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(s);
      } else this.seen.push(s);
    });
  }

  static async open(path: string, lockDir: string, clockNow: () => number = Date.now, addresses = ['fd00::1', 'fd00::2']): Promise<MiniNms> {
    const link = new SlipLink({ path, baudRate: 115200, localAddresses: addresses, lockDir });
    await link.open();
    return new MiniNms(link, clockNow);
  }

  /** Resolves with the first datagram (queued or future) matching `pred`; rejects after `ms` real ms. */
  next(pred: (s: Seen) => boolean, ms = 10_000, what = 'datagram'): Promise<Seen> {
    const i = this.seen.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.seen.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (s: Seen) => {
          clearTimeout(t);
          resolve(s);
        },
      };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      this.waiters.push(w);
    });
  }

  send(to: { address: string; port: number }, msg: CoapMessageInit, from = { address: 'fd00::1', port: 61628 }): void {
    this.link.send({ src: from.address, srcPort: from.port, dst: to.address, dstPort: to.port, payload: encodeCoap(msg) });
  }

  sendRaw(to: { address: string; port: number }, payload: Uint8Array, from = { address: 'fd00::1', port: 50000 }): void {
    this.link.send({ src: from.address, srcPort: from.port, dst: to.address, dstPort: to.port, payload });
  }

  /** CON request to a meter's server port; resolves with the ACK of the same Message ID. */
  async request(address: string, init: Omit<CoapMessageInit, 'type' | 'messageId'>, ms = 10_000, fromPort = 50000): Promise<CoapMessage> {
    const messageId = this.mid++ & 0xffff;
    this.send({ address, port: 61628 }, { ...init, type: 'CON', messageId }, { address: 'fd00::1', port: fromPort });
    const s = await this.next((x) => x.d.src === address && x.msg?.type === 'ACK' && x.msg.messageId === messageId, ms, `ACK ${messageId} from ${address}`);
    return s.msg!;
  }

  close(): Promise<void> {
    return this.link.close();
  }
}

export function rigKey(): KeyObject {
  return createPrivateKey(readFileSync(new URL('../../../../rigs/virtual/keys/nms-key.pem', import.meta.url)));
}

export const fromMeter = (address: string, path: string) => (s: Seen) =>
  s.d.src === address && s.msg?.code === '0.02' && s.msg.uriPath.join('/') === path;
