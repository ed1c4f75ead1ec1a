/**
 * A host firewall in front of the NMS, for the "Firewall -> meters DOWN" branch (csmp-protocol.md 9):
 * drop what arrives for the NMS, drop what the NMS sends, and count both.
 *
 * Inbound scope 'csmp-port' models the usual firewalld case: datagrams to the NMS's CSMP listening
 * port (where /r, reports and notifications arrive) are dropped, while answers to the NMS's own
 * requests (sent from its client port and answered there, as a stateful firewall lets through)
 * still pass. 'all' drops every inbound datagram.
 */
import { EventEmitter } from 'node:events';
import type { Datagram, Link } from '../../drivers/link/types.js';
import { DropCounter } from '../errors.js';

export type InboundScope = 'csmp-port' | 'all';

export interface FirewallState {
  inbound: InboundScope | false;
  outbound: boolean;
  droppedInbound: number;
  droppedOutbound: number;
  /** Inbound drops by source address (a device's address, usually). */
  droppedFrom: Record<string, number>;
}

export class Firewall {
  private inboundScope: InboundScope | false = false;
  private outboundDrop = false;
  private counter = new DropCounter();
  private readonly from = new Map<string, number>();

  constructor(private readonly csmpPort: number) {}

  dropInbound(scope: InboundScope = 'csmp-port'): void {
    this.inboundScope = scope;
  }

  allowInbound(): void {
    this.inboundScope = false;
  }

  dropOutbound(): void {
    this.outboundDrop = true;
  }

  allowOutbound(): void {
    this.outboundDrop = false;
  }

  /** Opens everything; counts are kept (use resetCounts to clear them). */
  clear(): void {
    this.inboundScope = false;
    this.outboundDrop = false;
  }

  resetCounts(): void {
    this.counter = new DropCounter();
    this.from.clear();
  }

  /** 'inbound' and 'outbound' counts. */
  get drops(): DropCounter {
    return this.counter;
  }

  droppedFrom(address: string): number {
    return this.from.get(address) ?? 0;
  }

  get state(): FirewallState {
    return {
      inbound: this.inboundScope,
      outbound: this.outboundDrop,
      droppedInbound: this.drops.get('inbound'),
      droppedOutbound: this.drops.get('outbound'),
      droppedFrom: Object.fromEntries(this.from),
    };
  }

  /** True when the datagram may reach the NMS; counts it otherwise. */
  admitInbound(d: Datagram): boolean {
    if (this.inboundScope === false) return true;
    if (this.inboundScope === 'csmp-port' && d.dstPort !== this.csmpPort) return true;
    this.counter.count('inbound');
    this.from.set(d.src, (this.from.get(d.src) ?? 0) + 1);
    return false;
  }

  /** True when the datagram may leave the NMS; counts it otherwise. */
  admitOutbound(_d: Datagram): boolean {
    if (!this.outboundDrop) return true;
    this.counter.count('outbound');
    return false;
  }

  /** The link as the NMS sees it: the same link with this firewall in the way. */
  wrap(link: Link): FirewalledLink {
    return new FirewalledLink(link, this);
  }
}

const FORWARDED = ['frame', 'down', 'up', 'drop'] as const;

/**
 * A Link that passes everything through the firewall. open() and close() are the inner link's:
 * the NMS does not own the links it is given, so detach() only removes this wrapper's listeners.
 */
export class FirewalledLink extends EventEmitter implements Link {
  private readonly onDatagram = (d: Datagram): void => {
    if (this.firewall.admitInbound(d)) this.emit('datagram', d);
  };
  private readonly forwarders = FORWARDED.map((ev) => [ev, (...args: unknown[]) => this.emit(ev, ...args)] as const);

  constructor(
    readonly inner: Link,
    private readonly firewall: Firewall,
  ) {
    super();
    inner.on('datagram', this.onDatagram);
    for (const [ev, fn] of this.forwarders) inner.on(ev, fn);
  }

  get name(): string {
    return this.inner.name;
  }

  get drops(): DropCounter {
    return this.inner.drops;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  send(d: Datagram): void {
    if (this.firewall.admitOutbound(d)) this.inner.send(d);
  }

  detach(): void {
    this.inner.off('datagram', this.onDatagram);
    for (const [ev, fn] of this.forwarders) this.inner.off(ev, fn);
  }
}
