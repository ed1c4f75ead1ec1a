/**
 * What crossed the wire for one device since the last fuzz input was sent: the input itself, the
 * probe that went unanswered, whatever the device still said. Kept per input (reset at each send),
 * so a finding's pcap holds the crash and nothing of the hundreds of inputs before it.
 */
import { parseIpv6Address } from '../../drivers/ip/address.js';
import type { Link, LinkFrame } from '../../drivers/link/types.js';

export interface WindowFrame {
  direction: 'in' | 'out';
  ipv6: Uint8Array;
  at: number;
}

/** Frames of a window beyond this are dropped (a device flooding the link after a crash): counted, not kept. */
const MAX_FRAMES = 2000;

export class InputWindow {
  private frames: WindowFrame[] = [];
  private dropped = 0;
  private sinceMs = Date.now();
  private readonly address: Uint8Array;
  private readonly onFrame = (f: LinkFrame): void => this.add(f);

  constructor(
    private readonly link: Link,
    address: string,
  ) {
    this.address = parseIpv6Address(address);
    link.on('frame', this.onFrame);
  }

  /** A new input is about to be sent. */
  reset(): void {
    this.frames = [];
    this.dropped = 0;
    this.sinceMs = Date.now();
  }

  get since(): number {
    return this.sinceMs;
  }

  snapshot(): { frames: WindowFrame[]; dropped: number } {
    return { frames: [...this.frames], dropped: this.dropped };
  }

  stop(): void {
    this.link.off('frame', this.onFrame);
  }

  private add(f: LinkFrame): void {
    // Source at bytes 8..24, destination at 24..40 of the IPv6 header; a runt frame is still evidence.
    if (f.ipv6.length >= 40 && !sameAt(f.ipv6, 8, this.address) && !sameAt(f.ipv6, 24, this.address)) return;
    if (this.frames.length >= MAX_FRAMES) {
      this.dropped++;
      return;
    }
    this.frames.push({ direction: f.direction, ipv6: f.ipv6, at: f.at });
  }
}

function sameAt(b: Uint8Array, at: number, address: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (b[at + i] !== address[i]) return false;
  return true;
}
