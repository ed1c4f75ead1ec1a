/**
 * Two Links wired back to back in memory, for unit tests of everything above drivers/.
 * Each pair is its own little network: no module-level registry, nothing to reset between tests.
 *
 * Delivery is asynchronous (a microtask), like a real link: a sender never sees its peer's
 * reaction inside its own send() call. Payloads are copied, as a network would.
 * No 'frame' events: there is no IPv6 packet here to capture, and none to send (sendRaw refuses).
 */
import { EventEmitter } from 'node:events';
import { RawSendUnsupportedError } from '../../drivers/link/errors.js';
import type { Datagram, Link } from '../../drivers/link/types.js';
import { DropCounter } from '../../core/drop-counter.js';

export class MemoryLink extends EventEmitter implements Link {
  readonly drops = new DropCounter();
  /** Every datagram this side sent, in order (delivered or not). */
  readonly sent: Datagram[] = [];
  /** Test hook: return true to lose a datagram this side sends (counted as 'lost'). */
  lose: ((d: Datagram) => boolean) | undefined;
  private peer: MemoryLink | undefined;
  private isOpen = true;

  constructor(readonly name: string) {
    super();
  }

  /** Wires two links together; each one's send() arrives as the other's 'datagram'. */
  static pair(names: [string, string] = ['mem-a', 'mem-b']): [MemoryLink, MemoryLink] {
    const a = new MemoryLink(names[0]);
    const b = new MemoryLink(names[1]);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  get opened(): boolean {
    return this.isOpen;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    this.isOpen = true;
    this.emit('up');
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.emit('down', new Error(`${this.name} closed`));
  }

  send(d: Datagram): void {
    this.sent.push(d);
    const peer = this.peer;
    if (!this.isOpen) return this.dropOwn('link closed');
    if (peer === undefined) return this.dropOwn('no peer');
    if (this.lose?.(d)) return this.dropOwn('lost');
    const copy: Datagram = { ...d, payload: d.payload.slice() };
    queueMicrotask(() => {
      if (!peer.isOpen) return peer.dropOwn('link closed');
      peer.emit('datagram', copy);
    });
  }

  sendRaw(_ipv6: Uint8Array): never {
    throw new RawSendUnsupportedError(this.name, 'an in-memory pair carries datagrams, not IPv6 packets');
  }

  private dropOwn(reason: string): void {
    this.drops.count(reason);
    this.emit('drop', { layer: 'udp', reason });
  }
}
