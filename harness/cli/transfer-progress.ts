/**
 * What `hil upgrade` shows while blocks go out: on a terminal one live line per device, redrawn
 * with log-update (bar of the blocks the device confirmed, blocks, bytes per second, time
 * left); elsewhere plain lines at every tenth of the image and at each answer. Rate and time
 * left are wall-clock figures, what the person waiting experiences (a virtual rig running its
 * time faster than real time shows its own pace, not its dongle's nominal one).
 */
import type { Writable } from 'node:stream';
import { createLogUpdate } from 'log-update';
import { formatDuration } from '../../core/duration.js';
import type { TransferEvent } from '../nms/transfer/events.js';

export interface TransferProgressOptions {
  stream: Writable & { isTTY?: boolean; columns?: number };
  tty?: boolean;
  now?: () => number;
}

const BAR = 24;

export class TransferProgress {
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly live: ReturnType<typeof createLogUpdate> | undefined;
  private readonly confirmed = new Map<string, number>();
  private blocks = 0;
  private blockSize = 0;
  private sentBlocks = 0;
  private sentBytes = 0;
  private startedAt: number | undefined;
  private lastDecile = -1;
  private lastDraw = 0;

  constructor(private readonly o: TransferProgressOptions) {
    this.tty = o.tty ?? o.stream.isTTY === true;
    this.now = o.now ?? (() => performance.now());
    this.live = this.tty ? createLogUpdate(o.stream) : undefined;
  }

  /** A permanent line (above the live area on a terminal). */
  line(text: string): void {
    this.live?.clear();
    this.o.stream.write(`${text}\n`);
    this.draw(true);
  }

  event = (e: TransferEvent): void => {
    switch (e.type) {
      case 'start':
        this.blocks = e.blocks;
        this.blockSize = e.blockSize;
        for (const d of e.devices) if (!this.confirmed.has(d)) this.confirmed.set(d, 0);
        this.line(`${e.bytes} bytes in ${e.blocks} blocks of ${e.blockSize} B to ${e.group !== undefined ? `firmware group ${e.group} (${e.devices.join(', ')})` : e.devices.join(', ')}`);
        return;
      case 'transfer-request':
        this.line(`${e.device}: TransferRequest ${e.name}`);
        return;
      case 'resume':
        this.confirmed.set(e.device, e.held);
        this.line(`${e.device}: holds ${e.held}/${e.blocks} blocks already; sending only the others`);
        return;
      case 'block':
        this.startedAt ??= this.now();
        this.sentBlocks++;
        this.sentBytes += e.bytes;
        break;
      case 'progress':
        this.confirmed.set(e.device, e.received);
        break;
      case 'round':
        for (const [d, n] of Object.entries(e.missing)) this.confirmed.set(d, this.blocks - n);
        this.line(`round ${e.round}: ${Object.entries(e.missing).map(([d, n]) => `${d} ${n === 0 ? 'has every block' : `misses ${n}`}`).join(', ')}`);
        return;
      case 'aborted':
        this.line(`interrupted (${e.reason}): run the same command again to resume`);
        return;
    }
    if (this.tty) this.draw(false);
    else this.plain();
  };

  /** Ends the live area, leaving its last state on screen. */
  done(): void {
    this.draw(true);
    this.live?.done();
  }

  private rate(): number | undefined {
    // The first block only starts the clock: a rate needs some blocks behind it.
    if (this.startedAt === undefined || this.sentBlocks < 3) return undefined;
    const wallSec = (this.now() - this.startedAt) / 1000;
    return wallSec > 0 ? this.sentBytes / wallSec : undefined;
  }

  private eta(): string {
    const rate = this.rate();
    if (!rate || this.blocks === 0) return '';
    const left = Math.max(0, this.blocks - Math.min(...this.confirmed.values(), this.sentBlocks)) * this.blockSize;
    return `  ETA ${formatDuration((left / rate) * 1000)}`;
  }

  private draw(force: boolean): void {
    if (!this.live || this.blocks === 0) return;
    const t = this.now();
    if (!force && t - this.lastDraw < 100) return;
    this.lastDraw = t;
    const rate = this.rate();
    const width = Math.max(...[...this.confirmed.keys()].map((d) => d.length), 6);
    const lines = [...this.confirmed].map(([d, n]) => {
      const fill = Math.round((n / this.blocks) * BAR);
      return `${d.padEnd(width)}  [${'█'.repeat(fill)}${'░'.repeat(BAR - fill)}] ${n}/${this.blocks} blocks`;
    });
    lines.push(`${''.padEnd(width)}  sent ${this.sentBlocks} blocks${rate ? `  ${(rate / 1000).toFixed(1)} kB/s` : ''}${this.eta()}`);
    this.live(lines.join('\n'));
  }

  private plain(): void {
    if (this.blocks === 0) return;
    const decile = Math.floor((this.sentBlocks / this.blocks) * 10);
    if (decile === this.lastDecile) return;
    this.lastDecile = decile;
    const rate = this.rate();
    const held = [...this.confirmed].map(([d, n]) => `${d} ${n}/${this.blocks}`).join(', ');
    this.o.stream.write(`sent ${this.sentBlocks}/${this.blocks} blocks${rate ? `, ${(rate / 1000).toFixed(1)} kB/s` : ''}; confirmed: ${held}\n`);
  }
}
