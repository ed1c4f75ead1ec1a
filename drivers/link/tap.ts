/**
 * A tap: a receive-only view of a link (a SLIP line or a UDP port) handing up every IPv6 packet it
 * sees, with the counters a person watching a live capture needs to trust it: frames, bytes off
 * the line, and what was thrown away, by reason.
 */
import type { EventEmitter } from 'node:events';
import type { DropCounter } from '../../core/drop-counter.js';

/** One packet as it arrived; `at` is ms since the epoch. */
export interface TapFrame {
  ipv6: Uint8Array;
  at: number;
}

export class TapCounters {
  /** Packets handed up. */
  frames = 0;
  /** Bytes received below any framing (SLIP bytes on the line, UDP payload bytes). */
  bytes = 0;

  constructor(readonly drops: DropCounter) {}

  /** "1,204 frames, 783,140 bytes, 0 dropped" (and the reasons when something was). */
  text(): string {
    const n = (v: number): string => v.toLocaleString('en-US');
    const reasons = Object.entries(this.drops.snapshot()).map(([r, c]) => `${r} ${n(c)}`);
    return `${n(this.frames)} frames, ${n(this.bytes)} bytes, ${n(this.drops.total)} dropped${reasons.length ? ` (${reasons.join(', ')})` : ''}`;
  }

  json(): { frames: number; bytes: number; drops: number; dropReasons: Record<string, number> } {
    return { frames: this.frames, bytes: this.bytes, drops: this.drops.total, dropReasons: this.drops.snapshot() };
  }
}

export interface Tap extends EventEmitter {
  readonly name: string;
  readonly counters: TapCounters;
  open(): Promise<void>;
  close(): Promise<void>;
}
