/**
 * The virtual RF dongle: one serial endpoint carrying raw IPv6 over SLIP (csmp-protocol.md
 * 10.3), and behind it a lossy mesh of meters.
 *
 *   harness ──pty── [line rate] SLIP decode → route by IPv6 destination → mesh hop
 *                   (latency, loss) → the meter's IPv6/UDP stack → MeterAgent.receive
 *   MeterAgent.send → mesh hop → IPv6/UDP build → SLIP encode → [line rate] ──pty── harness
 *
 * The dongle forwards IPv6 packets without judging them, like a radio; what a meter's IP stack
 * does with a broken packet (bad version, lengths, checksum, not UDP) happens at delivery and is
 * counted per meter. Multicast destinations reach every meter. Loss and jitter come from a
 * seeded generator, one stream per meter and direction, so a run repeats.
 * Latency and line rate are real time: they model the wire to the harness, not device time.
 */
import { EventEmitter } from 'node:events';
import type { Datagram } from '../../../drivers/link/types.js';
import { formatIpv6, parseIpv6Address } from '../../../drivers/ip/address.js';
import { buildUdpPacket, parseUdpPacket } from '../../../drivers/ip/packet.js';
import { SlipDecoder } from '../../../drivers/slip/slip-decoder.js';
import { slipEncode } from '../../../drivers/slip/slip-encode.js';
import { DecodeError } from '../../../core/errors.js';
import { DropCounter } from '../../../core/drop-counter.js';
import type { SeededRng } from '../seeded-rng.js';
import { LineRate } from './line-rate.js';

export interface MeshHop {
  /** One-way delay in ms between the dongle and the meter. */
  latencyMs: number;
  /** Extra delay, uniform in [0, jitterMs). */
  jitterMs: number;
  /** Probability that a packet is lost on the hop, each direction. */
  lossRate: number;
}

export interface DongleOptions {
  baudRate: number;
  rng: SeededRng;
  /** Bytes to the harness side (the pty master). */
  write: (bytes: Uint8Array) => void;
  /** Largest IPv6 packet the dongle takes from the line (default 2048). */
  maxFrame?: number;
  /** Hop limit of packets from meters (default 64). */
  hopLimit?: number;
  /**
   * Device seconds per real second (the rig's timeScale, default 1). The line rate and the mesh
   * delays are device-side physics: meters running 60x faster also send 60x more per real second,
   * so a line left at real-time speed would saturate and queue frames for seconds that a real
   * bench never sees.
   */
  timeScale?: number;
}

/** What the dongle needs of a meter. */
export interface MeshNode {
  name: string;
  /** Unicast addresses the node answers for (global, link-local). */
  addresses: string[];
  deliver(d: Datagram): void;
  /**
   * Bytes on the serial line that were no SLIP-framed IPv6 packet. Told to every node: the line
   * carries no address, and a board that reads the raw line (a SLIP bench) sees them all.
   */
  lineGarbage?(): void;
}

interface Attached {
  node: MeshNode;
  hop: MeshHop;
  down: SeededRng;
  up: SeededRng;
  drops: DropCounter;
}

export const DONGLE_DROP = {
  noRoute: 'dongle: no route',
  notIpv6: 'dongle: not IPv6',
  lostDown: 'mesh: lost toward meter',
  lostUp: 'mesh: lost toward dongle',
} as const;

export class VirtualDongle extends EventEmitter {
  readonly drops = new DropCounter();
  private readonly decoder: SlipDecoder;
  private readonly timeScale: number;
  private readonly lineIn: LineRate;
  private readonly lineOut: LineRate;
  private readonly nodes: Attached[] = [];
  private readonly byAddress = new Map<string, Attached>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly hopLimit: number;
  private closed = false;

  constructor(private readonly opts: DongleOptions) {
    super();
    this.hopLimit = opts.hopLimit ?? 64;
    this.decoder = new SlipDecoder({ maxFrame: opts.maxFrame ?? 2048, drops: this.drops });
    this.decoder.on('data', (frame: Uint8Array) => this.lineIn.send(frame));
    this.decoder.on('drop', (d) => {
      this.emit('drop', d);
      this.garbage();
    });
    // Inbound frames take their time on the wire before the radio has them.
    this.timeScale = opts.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new TypeError(`"timeScale" must be positive, got ${opts.timeScale}`);
    this.lineIn = new LineRate(opts.baudRate * this.timeScale, (frame) => this.route(frame));
    this.lineOut = new LineRate(opts.baudRate * this.timeScale, (bytes) => opts.write(bytes));
  }

  /** Joins a node to the mesh; returns the function the node sends with. */
  attach(node: MeshNode, hop: MeshHop): (d: Datagram) => void {
    const a: Attached = { node, hop, down: this.opts.rng.fork(`${node.name}/down`), up: this.opts.rng.fork(`${node.name}/up`), drops: new DropCounter() };
    this.nodes.push(a);
    for (const addr of node.addresses) this.byAddress.set(formatIpv6(parseIpv6Address(addr)), a);
    return (d) => this.fromNode(a, d);
  }

  /** Per-node drop counters (mesh loss, the node's IP stack rejecting a packet). */
  nodeDrops(name: string): DropCounter | undefined {
    return this.nodes.find((a) => a.node.name === name)?.drops;
  }

  /** Bytes from the harness side of the serial line. */
  input(chunk: Uint8Array): void {
    if (!this.closed) this.decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  close(): void {
    this.closed = true;
    this.lineIn.close();
    this.lineOut.close();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.decoder.removeAllListeners('data');
    this.decoder.destroy();
  }

  private route(frame: Uint8Array): void {
    if (frame.length < 40 || frame[0]! >> 4 !== 6) {
      this.drop(DONGLE_DROP.notIpv6);
      return this.garbage();
    }
    const dst = frame.subarray(24, 40);
    if (dst[0] === 0xff) {
      for (const a of this.nodes) this.hop(a, frame);
      return;
    }
    const a = this.byAddress.get(formatIpv6(dst));
    if (!a) return this.drop(DONGLE_DROP.noRoute);
    this.hop(a, frame);
  }

  private hop(a: Attached, frame: Uint8Array): void {
    if (a.down.next() < a.hop.lossRate) return this.nodeDrop(a, DONGLE_DROP.lostDown);
    const copy = frame.slice();
    this.later(this.delay(a, a.down), () => this.deliverToStack(a, copy));
  }

  /** The meter's IPv6/UDP stack: only well-formed UDP with a correct checksum reaches the agent. */
  private deliverToStack(a: Attached, frame: Uint8Array): void {
    try {
      const { ip, udp } = parseUdpPacket(frame);
      if (!udp.checksumOk) return this.nodeDrop(a, 'ip: bad UDP checksum');
      a.node.deliver({ src: formatIpv6(ip.src), dst: formatIpv6(ip.dst), srcPort: udp.srcPort, dstPort: udp.dstPort, payload: udp.payload.slice() });
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.nodeDrop(a, `ip: ${e.layer}: ${e.reason}`);
    }
  }

  private fromNode(a: Attached, d: Datagram): void {
    if (this.closed) return;
    if (a.up.next() < a.hop.lossRate) return this.nodeDrop(a, DONGLE_DROP.lostUp);
    const packet = buildUdpPacket({ src: d.src, dst: d.dst, srcPort: d.srcPort, dstPort: d.dstPort, payload: d.payload, hopLimit: this.hopLimit });
    this.later(this.delay(a, a.up), () => this.lineOut.send(slipEncode(packet)));
  }

  private delay(a: Attached, rng: SeededRng): number {
    return (a.hop.latencyMs + (a.hop.jitterMs > 0 ? rng.next() * a.hop.jitterMs : 0)) / this.timeScale;
  }

  private later(ms: number, fn: () => void): void {
    if (this.closed) return;
    if (ms <= 0) {
      queueMicrotask(() => {
        if (!this.closed) fn();
      });
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  private garbage(): void {
    for (const a of this.nodes) a.node.lineGarbage?.();
  }

  private drop(reason: string): void {
    this.drops.count(reason);
    this.emit('drop', { layer: 'dongle', reason });
  }

  private nodeDrop(a: Attached, reason: string): void {
    a.drops.count(reason);
    this.emit('drop', { layer: 'mesh', reason, node: a.node.name });
  }
}
