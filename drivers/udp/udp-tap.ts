/**
 * Listening on a UDP port of this host (an agent that reaches the head-end over IP: a border router,
 * a Linux agent): every datagram to the port, as the IPv6+UDP packet it arrived in (synthesised as
 * drivers/udp/udp-link.ts does for captures: hop limit 64, correct checksum). Never sends. It is the
 * port's receiver, not an observer: binding exclusively (no SO_REUSEADDR/SO_REUSEPORT, which would
 * have the kernel share out or duplicate datagrams between two sockets) means a port a running NMS
 * holds is refused with a message saying so, and no datagram is ever seen twice.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { DropCounter } from '../../core/drop-counter.js';
import { ResourceError, resourceCodeOf } from '../../core/errors.js';
import { canonicalIpv6 } from '../ip/address.js';
import { buildUdpPacket } from '../ip/packet.js';
import { TapCounters, type Tap, type TapFrame } from '../link/tap.js';

export const UDP_TAP_DROP = { notIpv6: 'udp: source not IPv6' } as const;

export class UdpTap extends EventEmitter implements Tap {
  readonly name: string;
  readonly counters = new TapCounters(new DropCounter());
  private socket: Socket | undefined;

  constructor(
    private readonly address: string,
    private readonly port: number,
  ) {
    super();
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError(`"port" must be 1..65535, got ${port}`);
    this.name = `udp:[${address}]:${port}`;
  }

  async open(): Promise<void> {
    const socket = createSocket({ type: 'udp6', ipv6Only: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (e) => {
        const code = (e as NodeJS.ErrnoException).code ?? e.message;
        // The usual mistake: pointing the monitor at the port of the NMS (or agent) it should watch.
        const why = code === 'EADDRINUSE' ? `: another program listens on port ${this.port}. A UDP monitor receives the datagrams itself, so it cannot share a port; to watch that program's traffic, capture it (dumpcap -i any -f 'udp port ${this.port}' -w - | hil decode -)` : '';
        socket.close();
        reject(new ResourceError(this.name, resourceCodeOf(e), `cannot listen: ${code}${why}`, { cause: e }));
      });
      socket.bind({ address: this.address, port: this.port, exclusive: true }, () => resolve());
    });
    socket.removeAllListeners('error');
    socket.on('error', (e) => this.emit('down', e));
    socket.on('message', (payload: Buffer, from: RemoteInfo) => this.receive(payload, from));
    this.socket = socket;
    this.emit('up');
  }

  close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    return new Promise((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }

  private receive(payload: Buffer, from: RemoteInfo): void {
    this.counters.bytes += payload.length;
    let ipv6: Uint8Array;
    try {
      ipv6 = buildUdpPacket({ src: canonicalIpv6(from.address.replace(/%.*$/, '')), dst: this.address, srcPort: from.port, dstPort: this.port, payload });
    } catch {
      this.counters.drops.count(UDP_TAP_DROP.notIpv6, 1, payload.length);
      this.emit('drop', { layer: 'udp', reason: UDP_TAP_DROP.notIpv6 });
      return;
    }
    this.counters.frames++;
    this.emit('frame', { ipv6, at: Date.now() } satisfies TapFrame);
  }
}
