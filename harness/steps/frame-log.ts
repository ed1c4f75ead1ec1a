/**
 * The last few CoAP messages that crossed each link, seen on the wire ('frame' events) before any
 * address filter or firewall. When a device's answer never reaches the request that asked, this
 * is where it can still be found: an ACK sent to the VIP, or from a link-local address, is
 * on the wire even though no endpoint takes it (csmp-protocol.md 9, load balancer).
 */
import type { Link, LinkFrame } from '../../drivers/link/types.js';
import { formatIpv6 } from '../../drivers/ip/address.js';
import { NEXT_HEADER_UDP, parseIpv6 } from '../../drivers/ip/ipv6.js';
import { parseUdp } from '../../drivers/ip/udp.js';
import { decodeCoap } from '../coap/message.js';
import type { FrameEvent } from '../model/observations.js';

export interface SeenMessage {
  at: number;
  direction: 'in' | 'out';
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  type: string;
  code: string;
  messageId: number;
}

/** Whole frames the harness sent, kept for a crash verdict to name its input; a robustness test sends a few. */
const SENT_KEPT = 64;

export class FrameLog {
  private readonly seen: SeenMessage[] = [];
  private readonly sent: FrameEvent[] = [];
  private readonly detach: (() => void)[] = [];

  constructor(private readonly capacity = 500) {}

  /** Records a frame the bench's frame tap already decoded (the app feeds every link's frames here). */
  add(f: FrameEvent): void {
    if (f.direction === 'out' && f.dst !== undefined) {
      this.sent.push(f);
      if (this.sent.length > SENT_KEPT) this.sent.shift();
    }
    if (!f.coap || f.src === undefined || f.dst === undefined || f.srcPort === undefined || f.dstPort === undefined) return;
    this.push({ at: f.at, direction: f.direction, src: f.src, dst: f.dst, srcPort: f.srcPort, dstPort: f.dstPort, type: f.coap.type, code: f.coap.code, messageId: f.coap.messageId });
  }

  /** Starts recording a link's frames itself (benches without a frame tap); `stop()` detaches from every link. */
  watch(link: Link): void {
    const onFrame = (f: LinkFrame): void => this.record(f);
    link.on('frame', onFrame);
    this.detach.push(() => link.off('frame', onFrame));
  }

  stop(): void {
    for (const d of this.detach.splice(0)) d();
  }

  /** Messages from `address` (as source) since `sinceMs` (wall clock), oldest first. */
  from(address: string, sinceMs: number): SeenMessage[] {
    return this.seen.filter((m) => m.direction === 'in' && m.src === address && m.at >= sinceMs);
  }

  /** Frames the harness sent to `address` from `sinceMs` to `untilMs` (wall clock), whole, oldest first. */
  sentTo(address: string, sinceMs: number, untilMs: number): FrameEvent[] {
    return this.sent.filter((f) => f.dst === address && f.at >= sinceMs && f.at <= untilMs);
  }

  /** Answers (ACK/RST) on the wire since `sinceMs` from `address` or carrying `messageId`. */
  answersSince(address: string, sinceMs: number, messageId?: number): SeenMessage[] {
    return this.seen.filter(
      (m) => m.direction === 'in' && m.at >= sinceMs && (m.type === 'ACK' || m.type === 'RST') && (m.src === address || m.messageId === messageId),
    );
  }

  private record(f: LinkFrame): void {
    // Headers only: this runs for every frame, and a damaged one is simply not an answer.
    try {
      const ip = parseIpv6(f.ipv6, { trailing: 'ignore' });
      if (ip.protocol !== NEXT_HEADER_UDP) return;
      const udp = parseUdp(ip.payload, ip.src, ip.dst);
      const coap = decodeCoap(udp.payload);
      this.push({
        at: f.at,
        direction: f.direction,
        src: formatIpv6(ip.src),
        dst: formatIpv6(ip.dst),
        srcPort: udp.srcPort,
        dstPort: udp.dstPort,
        type: coap.type,
        code: coap.code,
        messageId: coap.messageId,
      });
    } catch {
      return;
    }
  }

  private push(m: SeenMessage): void {
    this.seen.push(m);
    if (this.seen.length > this.capacity) this.seen.splice(0, this.seen.length - this.capacity);
  }
}
