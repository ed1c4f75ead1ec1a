/**
 * A Link over the host's own UDP/IPv6 stack (node:dgram), for agents reachable by IP (border
 * router, Linux agents, the virtual rig on ::1). The kernel does IPv6 and UDP; this link only
 * synthesises the IPv6+UDP packet of each datagram for 'frame' so that captures look the same as
 * on a SLIP link (hop limit 64, correct checksums; the kernel's real header may differ).
 *
 * Sockets: one per configured {address, port}, bound at open(). A send from any other source
 * address/port opens a socket bound to it on first use (an NMS GET goes out from its own port and
 * the answer comes back to it); srcPort 0 means "any ephemeral port" and the frame shows the real one.
 *
 * Drops (counted in `drops`, announced as 'drop' { layer: 'udp', reason }):
 *   'udp: bind failed' | 'udp: send failed' | 'udp: send queue full' | 'udp: socket error' | 'udp: link closed'
 *
 * Raw IPv6 (sendRaw): refused with RawSendUnsupportedError, nothing sent or counted. A UDP socket
 * gives the kernel a payload and an address, and the kernel writes the IPv6 and UDP headers; a
 * packet whose headers are the point (a robustness test's broken one) needs a SLIP link.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { ResourceError, resourceCodeOf } from '../../core/errors.js';
import { DropCounter } from '../../core/drop-counter.js';
import { canonicalIpv6 } from '../ip/address.js';
import { buildUdpPacket } from '../ip/packet.js';
import { RawSendUnsupportedError } from '../link/errors.js';
import type { Datagram, Link, LinkFrame } from '../link/types.js';

export interface UdpEndpoint {
  address: string;
  port: number;
}

export interface UdpLinkConfig {
  bind: UdpEndpoint[];
  /** Default `udp:<first address>`. */
  name?: string;
  /** Hop limit written into synthesised frames (default 64). */
  hopLimit?: number;
}

export const UDP_DROP = {
  bindFailed: 'udp: bind failed',
  sendFailed: 'udp: send failed',
  queueFull: 'udp: send queue full',
  socketError: 'udp: socket error',
  closed: 'udp: link closed',
} as const;

// Sends made while a lazily opened socket is still binding; a bound on memory if binding stalls.
const MAX_QUEUED = 256;

interface Entry {
  socket: Socket;
  address: string;
  /** 0 until bound. */
  port: number;
  queue: Datagram[] | undefined;
}

export class UdpLink extends EventEmitter implements Link {
  readonly name: string;
  readonly drops = new DropCounter();
  private readonly binds: UdpEndpoint[];
  private readonly hopLimit: number;
  /** By [address]:port as asked for: configured ones by their bound port, lazy ones by the srcPort sent from (0 = ephemeral). */
  private readonly sockets = new Map<string, Entry>();
  private configured: Entry[] = [];
  private opened = false;

  constructor(config: UdpLinkConfig) {
    super();
    if (config === null || typeof config !== 'object') throw new TypeError('UdpLink config must be an object');
    if (!Array.isArray(config.bind) || config.bind.length === 0) throw new TypeError('"bind" must be a non-empty array of {address, port}');
    this.binds = config.bind.map((b, i) => {
      let address: string;
      try {
        address = canonicalIpv6(b?.address);
      } catch (e) {
        throw new TypeError(`"bind[${i}].address": ${(e as Error).message}`);
      }
      if (!Number.isInteger(b.port) || b.port < 0 || b.port > 65535) throw new TypeError(`"bind[${i}].port" must be an integer 0..65535, got ${b.port}`);
      return { address, port: b.port };
    });
    this.hopLimit = config.hopLimit ?? 64;
    if (!Number.isInteger(this.hopLimit) || this.hopLimit < 0 || this.hopLimit > 255) {
      throw new TypeError(`"hopLimit" must be an integer 0..255, got ${config.hopLimit}`);
    }
    this.name = config.name ?? `udp:${this.binds[0]!.address}`;
  }

  /** The ports actually bound, in `bind` order (useful with port 0). */
  get boundPorts(): number[] {
    return this.configured.map((e) => e.port);
  }

  async open(): Promise<void> {
    if (this.opened) return;
    this.opened = true;
    try {
      for (const b of this.binds) await this.bindEntry(b.address, b.port);
    } catch (e) {
      await this.close();
      throw e;
    }
    this.emit('up');
  }

  async close(): Promise<void> {
    this.opened = false;
    const entries = [...this.sockets.values()];
    this.sockets.clear();
    this.configured = [];
    for (const e of entries) if (e.queue?.length) this.drop(UDP_DROP.closed, e.queue.length);
    await Promise.all(entries.map((e) => new Promise<void>((res) => {
      try {
        e.socket.close(() => res());
      } catch {
        res(); // never bound, or already closed
      }
    })));
  }

  send(d: Datagram): void {
    if (!this.opened) return this.drop(UDP_DROP.closed);
    const src = canonicalIpv6(d.src);
    const k = key(src, d.srcPort);
    let e = this.sockets.get(k);
    if (!e) {
      e = this.lazyEntry(src, d.srcPort);
    }
    if (e.queue) {
      if (e.queue.length >= MAX_QUEUED) return this.drop(UDP_DROP.queueFull);
      e.queue.push(d);
      return;
    }
    this.transmit(e, d);
  }

  sendRaw(_ipv6: Uint8Array): never {
    throw new RawSendUnsupportedError(this.name, 'a UDP link sends through kernel sockets, which write the IPv6 and UDP headers themselves');
  }

  private transmit(e: Entry, d: Datagram): void {
    e.socket.send(d.payload, d.dstPort, d.dst, (err) => {
      if (err) this.drop(UDP_DROP.sendFailed);
    });
    // The IPv6 packet is built for captures and frame logs only: a head-end serving a fleet with
    // nobody listening would checksum every datagram for nothing.
    if (this.listenerCount('frame') === 0) return;
    const src = e.address === '::' ? d.src : e.address;
    this.emit('frame', {
      direction: 'out',
      ipv6: buildUdpPacket({ src, dst: d.dst, srcPort: e.port, dstPort: d.dstPort, payload: d.payload, hopLimit: this.hopLimit }),
      at: Date.now(),
      datagram: { ...d, src, srcPort: e.port },
    } satisfies LinkFrame);
  }

  private lazyEntry(address: string, port: number): Entry {
    const e = this.newEntry(address);
    e.queue = [];
    this.sockets.set(key(address, port), e);
    this.listen(e, port).then(
      () => {
        const q = e.queue ?? [];
        e.queue = undefined;
        for (const d of q) this.transmit(e, d);
      },
      () => {
        // Forget it so a later send can try again (the port may be free by then).
        if (this.sockets.get(key(address, port)) === e) this.sockets.delete(key(address, port));
        this.drop(UDP_DROP.bindFailed, Math.max(1, e.queue?.length ?? 0));
        e.queue = undefined;
        try {
          e.socket.close();
        } catch {
          // not bound
        }
      },
    );
    return e;
  }

  private async bindEntry(address: string, port: number): Promise<void> {
    const e = this.newEntry(address);
    try {
      await this.listen(e, port);
    } catch (err) {
      try {
        e.socket.close();
      } catch {
        // not bound
      }
      throw new ResourceError(`udp [${address}]:${port}`, resourceCodeOf(err), `cannot bind: ${(err as Error).message}`, { cause: err });
    }
    this.sockets.set(key(address, e.port), e);
    this.configured.push(e);
  }

  private newEntry(address: string): Entry {
    const socket = createSocket({ type: 'udp6' });
    const e: Entry = { socket, address, port: 0, queue: undefined };
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.receive(e, msg, rinfo));
    return e;
  }

  private listen(e: Entry, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      e.socket.once('error', onError);
      e.socket.bind({ address: e.address, port, exclusive: true }, () => {
        e.socket.off('error', onError);
        // Errors after bind (rare for UDP) must not be unhandled; they cost at most a datagram.
        e.socket.on('error', () => this.drop(UDP_DROP.socketError));
        e.port = e.socket.address().port;
        resolve();
      });
    });
  }

  private receive(e: Entry, payload: Buffer, rinfo: RemoteInfo): void {
    let src: string;
    try {
      // Link-local senders come with a zone ("fe80::1%lo"); the datagram carries the bare address.
      src = canonicalIpv6(rinfo.address.replace(/%.*$/, ''));
    } catch {
      src = '::';
    }
    // The socket's own address is where the datagram arrived: a send from a concrete address binds
    // a socket to that address alone, so answers to the FND and to the VIP reach different sockets.
    // Only a configured bind to '::' cannot tell, and then says '::', never a guess.
    const d: Datagram = { src, dst: e.address, srcPort: rinfo.port, dstPort: e.port, payload };
    if (this.listenerCount('frame') > 0) {
      this.emit('frame', {
        direction: 'in',
        ipv6: buildUdpPacket({ src, dst: e.address, srcPort: rinfo.port, dstPort: e.port, payload, hopLimit: this.hopLimit }),
        at: Date.now(),
        datagram: d,
      } satisfies LinkFrame);
    }
    this.emit('datagram', d);
  }

  private drop(reason: string, n = 1): void {
    this.drops.count(reason, n);
    this.emit('drop', { layer: 'udp', reason, count: n });
  }
}

function key(address: string, port: number): string {
  return `[${address}]:${port}`;
}
