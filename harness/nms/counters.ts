/**
 * Per local address: how many CSMP messages it handled, by kind, and how many it sent. This is
 * the view a lab uses to spot a misconfigured load balancer (one server handling far more than
 * the others, answers arriving at the VIP: csmp-protocol.md 9, "Load balancer").
 */

export type InboundKind =
  | 'registration'
  | 'report'
  | 'notification'
  | 'asyncAnswer'
  /** A response (ACK/RST or separate) to a request the NMS sent. */
  | 'response'
  /** Anything else that reached an NMS endpoint (unknown path, undecodable, from an unknown device). */
  | 'other';

export type OutboundKind = 'registrationResponse' | 'request' | 'other';

export interface AddressCounters {
  /** Inbound messages handled at this address, all kinds. */
  handled: number;
  inbound: Record<InboundKind, number>;
  sent: number;
  outbound: Record<OutboundKind, number>;
  /** Inbound messages from each device (rig name), so "answers arriving at the VIP" can be tied to a device. */
  byDevice: Record<string, number>;
}

function empty(): AddressCounters {
  return {
    handled: 0,
    inbound: { registration: 0, report: 0, notification: 0, asyncAnswer: 0, response: 0, other: 0 },
    sent: 0,
    outbound: { registrationResponse: 0, request: 0, other: 0 },
    byDevice: {},
  };
}

export class ProcessingCounters {
  private readonly perAddress = new Map<string, AddressCounters>();

  /** Makes an address appear with zero counts (so a silent address shows up as 0, not missing). */
  declare(address: string): void {
    if (!this.perAddress.has(address)) this.perAddress.set(address, empty());
  }

  inbound(address: string, kind: InboundKind, device?: string): void {
    const c = this.entry(address);
    c.handled++;
    c.inbound[kind]++;
    if (device !== undefined) c.byDevice[device] = (c.byDevice[device] ?? 0) + 1;
  }

  outbound(address: string, kind: OutboundKind): void {
    const c = this.entry(address);
    c.sent++;
    c.outbound[kind]++;
  }

  get(address: string): AddressCounters {
    return structuredClone(this.perAddress.get(address) ?? empty());
  }

  snapshot(): Record<string, AddressCounters> {
    return Object.fromEntries([...this.perAddress].map(([a, c]) => [a, structuredClone(c)]));
  }

  reset(): void {
    for (const a of this.perAddress.keys()) this.perAddress.set(a, empty());
  }

  private entry(address: string): AddressCounters {
    let c = this.perAddress.get(address);
    if (!c) {
      c = empty();
      this.perAddress.set(address, c);
    }
    return c;
  }
}
