import type { EventEmitter } from 'node:events';
import type { DropCounter } from '../../core/drop-counter.js';

/** One UDP datagram as the layers above the link see it. Addresses are canonical IPv6 text (RFC 5952). */
export interface Datagram {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

/**
 * A raw IPv6 packet that crossed the link, for captures and reports. `at` is ms since the epoch.
 * `datagram` is the link's own parse of it, when the packet was a valid UDP datagram to or from one
 * of the link's addresses: the layers above decode CoAP from it rather than parse IPv6 again.
 */
export interface LinkFrame {
  direction: 'in' | 'out';
  ipv6: Uint8Array;
  at: number;
  datagram?: Datagram;
}

/**
 * Events a link emits:
 * - 'datagram' (Datagram): a valid UDP datagram arrived for one of the link's local addresses
 * - 'frame' (LinkFrame): every IPv6 packet sent or received (valid or not), for captures
 * - 'down' (Error): the underlying device went away; the link keeps trying to come back
 * - 'up' (): the link is (again) usable
 * - 'drop' ({ layer, reason }): something was thrown away; also counted in `drops`
 * - 'bound' ({ port, path, device, previous?, message }): a serial link opened this device node, at
 *   the first open and whenever it came back elsewhere (serial links only)
 */
export interface Link extends EventEmitter {
  readonly name: string;
  readonly drops: DropCounter;
  open(): Promise<void>;
  close(): Promise<void>;
  send(d: Datagram): void;
  /**
   * Puts `ipv6` on the wire as one packet, exactly as given (no checksum fixed, no header
   * checked): robustness tests inject deliberately broken packets. A link that has no raw
   * packets to send (kernel UDP sockets, an in-memory datagram pair) throws
   * RawSendUnsupportedError and sends nothing.
   */
  sendRaw(ipv6: Uint8Array): void;
  /** Bytes on the line below any framing (SLIP links only): robustness tests put garbage between frames. */
  sendWire?(bytes: Uint8Array): void;
}
