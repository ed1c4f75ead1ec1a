/**
 * A Link over SLIP on a serial byte stream (local tty, ser2net, pty): the harness is a userspace
 * IPv6/UDP host with one or more local addresses (the FND address, a VIP) on the dongle's line.
 *
 * Receive path, per frame: SLIP decode → IPv6 parse → destination filter → UDP parse and checksum
 * → 'frame' (every packet, for captures, with the parse when it succeeded) → 'datagram'. Every rejection is counted in `drops`
 * under a reason and announced as 'drop' ({ layer, reason }):
 *   'slip: bad escape' | 'slip: oversize frame' | 'slip: unterminated frame'
 *   'ipv6: <DecodeError reason>' | 'udp: <DecodeError reason>'   (truncation, version, lengths)
 *   'not-for-us' (destination not local) | 'not-udp' (next header not UDP, e.g. ICMPv6)
 *   'udp: bad checksum'
 *   'serial: write while down' | 'serial: queued at disconnect' | 'serial: write failed'
 *
 * The byte stream's evidence is passed on: 'bound' (PortBinding: the device node opened, and where a
 * re-enumerated USB dongle came back), 'retry' (a reconnect attempt failed, and why), 'takeover'
 * (a dead holder's port lease taken over) and 'leaseLost'.
 */
import { EventEmitter } from 'node:events';
import { DecodeError } from '../../core/errors.js';
import { DropCounter } from '../../core/drop-counter.js';
import { formatIpv6, parseIpv6Address, sameAddress } from '../ip/address.js';
import { NEXT_HEADER_UDP, parseIpv6 } from '../ip/ipv6.js';
import { buildUdpPacket } from '../ip/packet.js';
import { parseUdp } from '../ip/udp.js';
import type { SerialConfig } from '../serial/config.js';
import { createByteStream, SERIAL_DROP, type ByteStream } from '../serial/byte-stream.js';
import { SlipDecoder } from '../slip/slip-decoder.js';
import { slipEncode } from '../slip/slip-encode.js';
import type { Datagram, Link, LinkFrame } from './types.js';

export interface SlipLinkConfig extends SerialConfig {
  /** Addresses this host answers for; frames to any other destination are dropped ('not-for-us'). */
  localAddresses: string[];
  /** Largest IPv6 packet accepted from the line (default 2048). */
  maxFrame?: number;
  /** Hop limit of packets sent (default 64). */
  hopLimit?: number;
  /** Default `slip:<path>`. */
  name?: string;
}

const FORWARDED = ['bound', 'retry', 'takeover', 'leaseLost'] as const;

/** What SlipLink needs from a byte stream; a ByteStream, or an in-memory stand-in in unit tests. */
export type DeviceStream = Pick<ByteStream, 'open' | 'close' | 'write' | 'isUp'> & EventEmitter;

export class SlipLink extends EventEmitter implements Link {
  readonly name: string;
  readonly drops = new DropCounter();
  readonly maxFrame: number;
  private readonly local: Uint8Array[];
  private readonly hopLimit: number;
  private readonly stream: DeviceStream;
  private decoder: SlipDecoder | undefined;

  constructor(config: SlipLinkConfig, stream?: DeviceStream) {
    super();
    if (config === null || typeof config !== 'object') throw new TypeError('SlipLink config must be an object');
    if (!Array.isArray(config.localAddresses) || config.localAddresses.length === 0) {
      throw new TypeError('"localAddresses" must be a non-empty array of IPv6 addresses');
    }
    this.local = config.localAddresses.map((a, i) => {
      try {
        return parseIpv6Address(a);
      } catch (e) {
        throw new TypeError(`"localAddresses[${i}]": ${(e as Error).message}`);
      }
    });
    this.maxFrame = config.maxFrame ?? 2048;
    if (!Number.isInteger(this.maxFrame) || this.maxFrame < 1280) {
      // Below the IPv6 minimum MTU the link could not carry packets the protocol promises.
      throw new TypeError(`"maxFrame" must be an integer >= 1280, got ${config.maxFrame}`);
    }
    this.hopLimit = config.hopLimit ?? 64;
    if (!Number.isInteger(this.hopLimit) || this.hopLimit < 0 || this.hopLimit > 255) {
      throw new TypeError(`"hopLimit" must be an integer 0..255, got ${config.hopLimit}`);
    }
    this.stream = stream ?? createByteStream(config, this.drops);
    this.name = config.name ?? `slip:${config.path}`;
  }

  get isUp(): boolean {
    return this.stream.isUp;
  }

  async open(): Promise<void> {
    if (this.decoder) return;
    const decoder = new SlipDecoder({ maxFrame: this.maxFrame, drops: this.drops });
    decoder.on('data', (frame: Uint8Array) => this.receive(frame));
    decoder.on('drop', (d) => this.emit('drop', d));
    const s = this.stream;
    s.on('data', this.onData);
    s.on('down', this.onDown);
    s.on('up', this.onUp);
    s.on('drop', this.onStreamDrop);
    for (const ev of FORWARDED) s.on(ev, this.forward[ev]);
    this.decoder = decoder;
    try {
      await s.open();
    } catch (e) {
      this.detach();
      throw e;
    }
  }

  async close(): Promise<void> {
    if (!this.decoder) return;
    this.detach();
    await this.stream.close();
  }

  /** Sends one UDP datagram as IPv6 (hop limit 64 unless configured) with a correct checksum. */
  send(d: Datagram): void {
    const ipv6 = buildUdpPacket({ src: d.src, dst: d.dst, srcPort: d.srcPort, dstPort: d.dstPort, payload: d.payload, hopLimit: this.hopLimit });
    this.transmit(ipv6, d);
  }

  /** Sends bytes as one SLIP frame, unchecked: robustness tests inject deliberately broken packets. */
  sendRaw(ipv6: Uint8Array): void {
    this.transmit(ipv6, undefined);
  }

  /** Writes bytes to the serial line as they are, no SLIP framing: garbage between frames. */
  sendWire(bytes: Uint8Array): void {
    if (!this.stream.isUp) {
      this.drop('serial', SERIAL_DROP.whileDown);
      return;
    }
    this.stream.write(bytes);
  }

  private transmit(ipv6: Uint8Array, datagram: Datagram | undefined): void {
    if (!this.stream.isUp) {
      // No 'frame': nothing crossed the link.
      this.drop('serial', SERIAL_DROP.whileDown);
      return;
    }
    const f: LinkFrame = { direction: 'out', ipv6, at: Date.now(), ...(datagram ? { datagram } : {}) };
    this.emit('frame', f);
    this.stream.write(slipEncode(ipv6));
  }

  private readonly onData = (chunk: Buffer): void => {
    this.decoder?.write(chunk);
  };

  private readonly onDown = (err: Error): void => {
    // Half a frame from before the loss must not be glued to the first bytes after it.
    this.decoder?.reset();
    this.emit('down', err);
  };

  private readonly onUp = (): void => {
    this.emit('up');
  };

  private readonly onStreamDrop = (d: unknown): void => {
    this.emit('drop', d);
  };

  /** Evidence from the byte stream, passed on as is: see ByteStream's 'bound', 'takeover', 'leaseLost'. */
  private readonly forward: Record<(typeof FORWARDED)[number], (v: unknown) => void> = {
    bound: (v) => void this.emit('bound', v),
    retry: (v) => void this.emit('retry', v),
    takeover: (v) => void this.emit('takeover', v),
    leaseLost: (v) => void this.emit('leaseLost', v),
  };

  private detach(): void {
    const s = this.stream;
    s.off('data', this.onData);
    s.off('down', this.onDown);
    s.off('up', this.onUp);
    s.off('drop', this.onStreamDrop);
    for (const ev of FORWARDED) s.off(ev, this.forward[ev]);
    this.decoder?.removeAllListeners('data');
    this.decoder?.destroy();
    this.decoder = undefined;
  }

  private receive(frame: Uint8Array): void {
    const d = this.decode(frame);
    // The frame goes out first and carries the parse: captures see every packet, valid or not, and
    // nothing above parses IPv6 and UDP again.
    this.emit('frame', { direction: 'in', ipv6: frame, at: Date.now(), ...('datagram' in d ? { datagram: d.datagram } : {}) } satisfies LinkFrame);
    // Emitted outside decode's try: a DecodeError thrown by a listener (CoAP, TLV) is not a link drop.
    if ('datagram' in d) this.emit('datagram', d.datagram);
    else this.drop(d.layer, d.reason);
  }

  private decode(frame: Uint8Array): { datagram: Datagram } | { layer: string; reason: string } {
    try {
      const ip = parseIpv6(frame);
      if (!this.isLocal(frame)) return { layer: 'ipv6', reason: 'not-for-us' };
      if (ip.protocol !== NEXT_HEADER_UDP) return { layer: 'ipv6', reason: 'not-udp' };
      const udp = parseUdp(ip.payload, ip.src, ip.dst);
      if (!udp.checksumOk) return { layer: 'udp', reason: 'udp: bad checksum' };
      return {
        datagram: {
          src: formatIpv6(ip.src),
          dst: formatIpv6(ip.dst),
          srcPort: udp.srcPort,
          dstPort: udp.dstPort,
          payload: udp.payload,
        },
      };
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return { layer: e.layer, reason: `${e.layer}: ${e.reason}` };
    }
  }

  private isLocal(packet: Uint8Array): boolean {
    for (const a of this.local) if (sameAddress(packet, a, 24)) return true;
    return false;
  }

  private drop(layer: string, reason: string): undefined {
    this.drops.count(reason);
    this.emit('drop', { layer, reason });
    return undefined;
  }
}
