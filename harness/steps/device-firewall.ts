/**
 * The NMS host firewall of the "Firewall → meters DOWN" branch (csmp-protocol.md 9), per device.
 *
 * The NMS's own Firewall (harness/nms/firewall.ts) is one switch for every device. A run drives
 * all devices in parallel, so a test that blocks one meter's CSMP must not make the others go
 * down: this filter sits between each link and the NMS and drops only the blocked device's
 * datagrams. Its state has the shape of the NMS firewall's, so the flowchart reads it unchanged.
 *
 * Inbound 'csmp-port' (the usual firewalld case) drops what the device sends to the NMS's CSMP
 * port (/r, reports, notifications) and lets the answers to the NMS's own requests back in, as a
 * stateful firewall does; 'all' drops everything from the device.
 */
import { EventEmitter } from 'node:events';
import type { Datagram, Link } from '../../drivers/link/types.js';
import { canonicalIpv6 } from '../../drivers/ip/address.js';
import type { DropCounter } from '../errors.js';
import type { FirewallState, InboundScope } from '../nms/firewall.js';

interface Rule {
  inbound: InboundScope | false;
  outbound: boolean;
  droppedInbound: number;
  droppedOutbound: number;
}

export class DeviceFirewall {
  private readonly rules = new Map<string, Rule>();

  /** `csmpPort`: the NMS's listening port (where 'csmp-port' drops apply). */
  constructor(private readonly csmpPort: number) {}

  dropInbound(address: string, scope: InboundScope = 'csmp-port'): void {
    this.rule(address).inbound = scope;
  }

  dropOutbound(address: string): void {
    this.rule(address).outbound = true;
  }

  /** Opens both directions for the device; its drop counts are kept until resetCounts. */
  allow(address: string): void {
    const r = this.rules.get(canonicalIpv6(address));
    if (r) {
      r.inbound = false;
      r.outbound = false;
    }
  }

  resetCounts(address: string): void {
    this.rules.delete(canonicalIpv6(address));
  }

  blocking(address: string): boolean {
    const r = this.rules.get(canonicalIpv6(address));
    return !!r && (r.inbound !== false || r.outbound);
  }

  /** What the flowchart sees for one device, in the NMS firewall's shape. */
  state(address: string): FirewallState {
    const key = canonicalIpv6(address);
    const r = this.rules.get(key);
    return {
      inbound: r?.inbound ?? false,
      outbound: r?.outbound ?? false,
      droppedInbound: r?.droppedInbound ?? 0,
      droppedOutbound: r?.droppedOutbound ?? 0,
      droppedFrom: r && r.droppedInbound > 0 ? { [key]: r.droppedInbound, [address]: r.droppedInbound } : {},
    };
  }

  admitInbound(d: Datagram): boolean {
    const r = this.rules.get(d.src);
    if (!r || r.inbound === false) return true;
    if (r.inbound === 'csmp-port' && d.dstPort !== this.csmpPort) return true;
    r.droppedInbound++;
    return false;
  }

  admitOutbound(d: Datagram): boolean {
    const r = this.rules.get(d.dst);
    if (!r || !r.outbound) return true;
    r.droppedOutbound++;
    return false;
  }

  /** The link as the NMS sees it: this firewall in the way. */
  wrap(link: Link): Link {
    return new FilteredLink(link, this);
  }

  private rule(address: string): Rule {
    const key = canonicalIpv6(address);
    let r = this.rules.get(key);
    if (!r) {
      r = { inbound: false, outbound: false, droppedInbound: 0, droppedOutbound: 0 };
      this.rules.set(key, r);
    }
    return r;
  }
}

const FORWARDED = ['frame', 'down', 'up', 'drop'] as const;

/** A Link passing datagrams through a DeviceFirewall; open/close are the inner link's. */
class FilteredLink extends EventEmitter implements Link {
  private readonly onDatagram = (d: Datagram): void => {
    if (this.firewall.admitInbound(d)) this.emit('datagram', d);
  };
  private readonly forwarders = FORWARDED.map((ev) => [ev, (...args: unknown[]) => this.emit(ev, ...args)] as const);

  constructor(
    readonly inner: Link,
    private readonly firewall: DeviceFirewall,
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

  async close(): Promise<void> {
    this.inner.off('datagram', this.onDatagram);
    for (const [ev, fn] of this.forwarders) this.inner.off(ev, fn);
    await this.inner.close();
  }

  send(d: Datagram): void {
    if (this.firewall.admitOutbound(d)) this.inner.send(d);
  }
}
