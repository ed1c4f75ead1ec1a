/**
 * Listening on a SLIP line without ever speaking on it: the byte stream of a dongle (local tty,
 * usb: selector, ser2net tcp://) split into IPv6 packets, for `hil monitor` and the Wireshark
 * extcap. The class has no way to write: a tap that cannot transmit cannot disturb the devices it
 * watches, nor the run on the other side of a shared ser2net port.
 *
 * It leases the port as a run does (drivers/serial/byte-stream.ts): a port a run holds is refused
 * with the holder named, and a run cannot start on a port being monitored. It reconnects after the
 * device goes away (a re-enumerated USB dongle), forgetting the half frame cut by the loss.
 *
 * Events: 'frame' (TapFrame), 'down' (Error), 'up', 'bound' (PortBinding), 'retry', 'drop'.
 */
import { EventEmitter } from 'node:events';
import { DropCounter } from '../../core/drop-counter.js';
import type { SerialConfig } from '../serial/config.js';
import { createByteStream, type ByteStream } from '../serial/byte-stream.js';
import { SlipDecoder } from '../slip/slip-decoder.js';
import { TapCounters, type Tap, type TapFrame } from './tap.js';

export interface SlipTapConfig extends SerialConfig {
  /** Largest IPv6 packet accepted from the line (default 2048). */
  maxFrame?: number;
}

const FORWARDED = ['down', 'up', 'bound', 'retry', 'takeover', 'leaseLost'] as const;

export class SlipTap extends EventEmitter implements Tap {
  readonly name: string;
  readonly counters: TapCounters;
  private readonly stream: ByteStream;
  private readonly decoder: SlipDecoder;

  constructor(config: SlipTapConfig) {
    super();
    const drops = new DropCounter();
    this.counters = new TapCounters(drops);
    this.stream = createByteStream(config, drops);
    this.name = this.stream.name;
    this.decoder = new SlipDecoder({ maxFrame: config.maxFrame ?? 2048, drops });
    this.decoder.on('data', (ipv6: Uint8Array) => {
      this.counters.frames++;
      this.emit('frame', { ipv6, at: Date.now() } satisfies TapFrame);
    });
    this.decoder.on('drop', (d) => this.emit('drop', d));
    this.stream.on('data', (b: Buffer) => {
      this.counters.bytes += b.length;
      this.decoder.write(b);
    });
    // Half a frame from before a loss must not be glued to the first bytes after it.
    this.stream.on('down', () => this.decoder.reset());
    for (const ev of FORWARDED) this.stream.on(ev, (v: unknown) => this.emit(ev, v));
  }

  get isUp(): boolean {
    return this.stream.isUp;
  }

  open(): Promise<void> {
    return this.stream.open();
  }

  async close(): Promise<void> {
    await this.stream.close();
    // A frame still open at the end is counted, not lost silently.
    this.decoder.reset();
    this.decoder.destroy();
  }
}
