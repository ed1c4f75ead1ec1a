/**
 * A host firewall in front of the NMS, for the "Firewall -> meters DOWN" branch (csmp-protocol.md 9):
 * drop what arrives for the NMS, drop what the NMS sends, and count both.
 *
 * Rules apply to every device, or to one device by its address: a run drives all devices in
 * parallel, so a test that blocks one meter's CSMP must not make the others go down. A datagram
 * is dropped when the rule for everyone or the rule for its device says so.
 *
 * Inbound scope 'csmp-port' models the usual firewalld case: datagrams to the NMS's CSMP listening
 * port (where /r, reports and notifications arrive) are dropped, while answers to the NMS's own
 * requests (sent from its client port and answered there, as a stateful firewall lets through)
 * still pass. 'all' drops every inbound datagram.
 */
import { EventEmitter } from 'node:events';
import { canonicalIpv6 } from '../../drivers/ip/address.js';
import type { Datagram, Link } from '../../drivers/link/types.js';
import type { DropCounter } from '../../core/drop-counter.js';

export type InboundScope = 'csmp-port' | 'all';

export interface FirewallState {
  inbound: InboundScope | false;
  outbound: boolean;
  droppedInbound: number;
  droppedOutbound: number;
  /** Inbound drops by source address (canonical form). */
  droppedFrom: Record<string, number>;
}

interface Rule {
  inbound: InboundScope | false;
  outbound: boolean;
}

const sum = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

export class Firewall {
  private readonly everyone: Rule = { inbound: false, outbound: false };
  private readonly devices = new Map<string, Rule>();
  /** Inbound drops by source, outbound drops by destination. */
  private readonly from = new Map<string, number>();
  private readonly to = new Map<string, number>();

  /** `onInboundDrop` sees each datagram the firewall dropped on its way in (the NMS names dropped registrations). */
  constructor(
    private readonly csmpPort: number,
    private readonly onInboundDrop: (d: Datagram) => void = () => undefined,
  ) {}

  /** Without an address: for every device. */
  dropInbound(scope: InboundScope = 'csmp-port', address?: string): void {
    this.rule(address).inbound = scope;
  }

  allowInbound(address?: string): void {
    this.rule(address).inbound = false;
  }

  dropOutbound(address?: string): void {
    this.rule(address).outbound = true;
  }

  /** Opens both directions, for one device or (without an address) for all; counts are kept. */
  clear(address?: string): void {
    const rules = address === undefined ? [this.everyone, ...this.devices.values()] : [this.rule(address)];
    for (const r of rules) Object.assign(r, { inbound: false, outbound: false });
  }

  /** Forgets drop counts, of one device or of all. */
  resetCounts(address?: string): void {
    if (address === undefined) {
      this.from.clear();
      this.to.clear();
    } else {
      this.from.delete(canonicalIpv6(address));
      this.to.delete(canonicalIpv6(address));
    }
  }

  /** The rules for everyone and every drop. */
  get state(): FirewallState {
    return {
      inbound: this.everyone.inbound,
      outbound: this.everyone.outbound,
      droppedInbound: sum(this.from),
      droppedOutbound: sum(this.to),
      droppedFrom: Object.fromEntries(this.from),
    };
  }

  /** What applies to one device and what was dropped of its traffic: the flowchart's view of it. */
  stateFor(address: string): FirewallState {
    const key = canonicalIpv6(address);
    const r = this.devices.get(key);
    const dropped = this.from.get(key) ?? 0;
    return {
      inbound: this.everyone.inbound || (r?.inbound ?? false),
      outbound: this.everyone.outbound || (r?.outbound ?? false),
      droppedInbound: dropped,
      droppedOutbound: this.to.get(key) ?? 0,
      droppedFrom: dropped > 0 ? { [key]: dropped } : {},
    };
  }

  /** True when the datagram may reach the NMS; counts it otherwise. */
  admitInbound(d: Datagram): boolean {
    const scope = this.everyone.inbound || (this.devices.get(d.src)?.inbound ?? false);
    if (scope === false) return true;
    if (scope === 'csmp-port' && d.dstPort !== this.csmpPort) return true;
    this.from.set(d.src, (this.from.get(d.src) ?? 0) + 1);
    this.onInboundDrop(d);
    return false;
  }

  /** True when the datagram may leave the NMS; counts it otherwise. */
  admitOutbound(d: Datagram): boolean {
    if (!this.everyone.outbound && !this.devices.get(d.dst)?.outbound) return true;
    this.to.set(d.dst, (this.to.get(d.dst) ?? 0) + 1);
    return false;
  }

  /** The link as the NMS sees it: the same link with this firewall in the way. */
  wrap(link: Link): FirewalledLink {
    return new FirewalledLink(link, this);
  }

  private rule(address: string | undefined): Rule {
    if (address === undefined) return this.everyone;
    const key = canonicalIpv6(address);
    let r = this.devices.get(key);
    if (!r) {
      r = { inbound: false, outbound: false };
      this.devices.set(key, r);
    }
    return r;
  }
}

const FORWARDED = ['down', 'up', 'drop'] as const;

/**
 * A Link that passes everything through the firewall. open() and close() are the inner link's:
 * the NMS does not own the links it is given, so detach() only removes this wrapper's listeners.
 */
export class FirewalledLink extends EventEmitter implements Link {
  private readonly onDatagram = (d: Datagram): void => {
    if (this.firewall.admitInbound(d)) this.emit('datagram', d);
  };
  private readonly forwarders = FORWARDED.map((ev) => [ev, (...args: unknown[]) => this.emit(ev, ...args)] as const);
  private readonly onFrame = (f: unknown): void => void this.emit('frame', f);
  // 'frame' is heard from the inner link only while someone here listens: a UDP link builds the
  // IPv6 packet of each datagram only for a listener, and a fleet's NMS has none.
  private readonly onNewListener = (ev: string | symbol): void => {
    if (ev === 'frame' && this.listenerCount('frame') === 0) this.inner.on('frame', this.onFrame);
  };
  private readonly onRemoveListener = (ev: string | symbol): void => {
    if (ev === 'frame' && this.listenerCount('frame') === 0) this.inner.off('frame', this.onFrame);
  };

  constructor(
    readonly inner: Link,
    private readonly firewall: Firewall,
  ) {
    super();
    inner.on('datagram', this.onDatagram);
    for (const [ev, fn] of this.forwarders) inner.on(ev, fn);
    this.on('newListener', this.onNewListener);
    this.on('removeListener', this.onRemoveListener);
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

  /**
   * Passes straight to the inner link: the firewall judges the NMS's datagrams, and a raw packet
   * is a test's own injection (often deliberately unparseable), not NMS traffic.
   */
  sendRaw(ipv6: Uint8Array): void {
    this.inner.sendRaw(ipv6);
  }

  detach(): void {
    this.inner.off('datagram', this.onDatagram);
    for (const [ev, fn] of this.forwarders) this.inner.off(ev, fn);
    this.inner.off('frame', this.onFrame);
  }
}
