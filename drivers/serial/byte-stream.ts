/**
 * A device byte stream that survives the device going away: a local serial port or a ser2net TCP
 * port, held exclusively (PortLock), reopened with exponential backoff after a loss.
 *
 * Events:
 * - 'data' (Buffer): bytes from the device
 * - 'down' (Error): the device went away; reopening has started
 * - 'up' (): (re)connected — also after the first open()
 * - 'retry' ({ attempt, delayMs, error }): a reopen attempt failed; the next one is in delayMs
 * - 'drop' ({ layer: 'serial', reason }): a write was thrown away (also counted in `drops`)
 *
 * Writes while down are dropped, and so are writes still queued when the loss is noticed: after a
 * replug the device has rebooted, and stale frames would be the first thing it hears.
 */
import { EventEmitter } from 'node:events';
import { realpathSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { ResourceError, resourceCodeOf } from '../../core/errors.js';
import { DropCounter } from '../../core/drop-counter.js';
import { checkSerialConfig, type Endpoint, type ReconnectConfig, type SerialConfig } from './config.js';
import { PortLock } from './port-lock.js';
import { serialConnector } from './serial-transport.js';
import { tcpConnector } from './tcp-transport.js';
import type { Connector, Transport } from './transport.js';

export const SERIAL_DROP = {
  whileDown: 'serial: write while down',
  queuedAtLoss: 'serial: queued at disconnect',
  writeFailed: 'serial: write failed',
} as const;

type State = 'idle' | 'opening' | 'up' | 'down' | 'closed';

export class ByteStream extends EventEmitter {
  readonly drops: DropCounter;
  private state: State = 'idle';
  private transport: Transport | undefined;
  /** Bumped on every connect so callbacks of a dead transport cannot touch the live one. */
  private generation = 0;
  private pending = 0;
  /** Held from open() to close(): the name the port was configured by. */
  private lock: PortLock | undefined;
  /** Held while connected: the device node that name resolves to now (it changes across replugs). */
  private deviceLock: PortLock | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;

  constructor(
    readonly name: string,
    private readonly endpoint: Endpoint,
    private readonly connector: Connector,
    private readonly reconnect: ReconnectConfig,
    private readonly lockDir?: string,
    drops?: DropCounter,
  ) {
    super();
    this.drops = drops ?? new DropCounter();
  }

  get isUp(): boolean {
    return this.state === 'up';
  }

  /**
   * Locks the port and connects once. Rejects with ResourceError if the port is held by another run
   * or cannot be opened now (a device absent at start is a rig problem to report, not to wait out).
   */
  async open(): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'closed') throw new ResourceError(this.name, 'state', `open() while ${this.state}`);
    this.state = 'opening';
    try {
      this.lock = PortLock.acquire(this.name, [primaryKey(this.endpoint)], this.lockDir);
    } catch (e) {
      this.state = 'idle';
      throw e;
    }
    try {
      await this.connectOnce();
    } catch (e) {
      this.lock.release();
      this.lock = undefined;
      this.state = 'idle';
      throw new ResourceError(this.name, resourceCodeOf(e), `cannot open: ${(e as Error).message}`, { cause: e });
    }
    if ((this.state as State) !== 'up') return; // close() came first
    this.emit('up');
  }

  /** Queues bytes for the device. Returns false (and counts a drop) when the device is down. */
  write(bytes: Uint8Array): boolean {
    const t = this.transport;
    if (this.state !== 'up' || t === undefined) {
      this.countDrop(SERIAL_DROP.whileDown);
      return false;
    }
    const gen = this.generation;
    this.pending++;
    t.write(bytes, (err) => {
      if (gen !== this.generation) return; // already counted as queued at disconnect
      this.pending--;
      if (err && this.state === 'up') this.countDrop(SERIAL_DROP.writeFailed);
    });
    return true;
  }

  async close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'idle') return;
    this.state = 'closed';
    clearTimeout(this.timer);
    this.timer = undefined;
    this.generation++;
    const t = this.transport;
    this.transport = undefined;
    this.pending = 0;
    try {
      await t?.close();
    } finally {
      this.releaseDevice();
      this.lock?.release();
      this.lock = undefined;
    }
  }

  private async connectOnce(): Promise<void> {
    const gen = ++this.generation;
    const device = deviceKey(this.endpoint);
    this.releaseDevice();
    if (device) this.deviceLock = PortLock.acquire(this.name, [device], this.lockDir);
    let t: Transport;
    try {
      t = await this.connector({
        data: (b) => {
          if (gen === this.generation) this.emit('data', b);
        },
        lost: (err) => {
          if (gen === this.generation) this.onLost(err);
        },
      });
    } catch (e) {
      this.releaseDevice();
      throw e;
    }
    if (this.state === 'closed' || gen !== this.generation) {
      await t.close();
      return;
    }
    this.transport = t;
    this.pending = 0;
    this.attempt = 0;
    this.state = 'up';
  }

  private onLost(err: Error): void {
    if (this.state !== 'up') return;
    this.generation++;
    this.state = 'down';
    this.transport = undefined;
    this.releaseDevice();
    if (this.pending > 0) this.countDrop(SERIAL_DROP.queuedAtLoss, this.pending);
    this.pending = 0;
    this.emit('down', err);
    this.schedule();
  }

  private schedule(): void {
    const delay = Math.min(this.reconnect.initialMs * 2 ** this.attempt, this.reconnect.maxMs);
    this.attempt++;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connectOnce().then(
        () => {
          if (this.state === 'up') this.emit('up');
        },
        (error: Error) => {
          if (this.state !== 'down') return;
          const next = Math.min(this.reconnect.initialMs * 2 ** this.attempt, this.reconnect.maxMs);
          this.emit('retry', { attempt: this.attempt, delayMs: next, error });
          this.schedule();
        },
      );
    }, delay);
  }

  private releaseDevice(): void {
    this.deviceLock?.release();
    this.deviceLock = undefined;
  }

  private countDrop(reason: string, n = 1): void {
    this.drops.count(reason, n);
    this.emit('drop', { layer: 'serial', reason, count: n });
  }
}

/** The name the port was configured by (absolute for a local path). */
function primaryKey(e: Endpoint): string {
  return e.kind === 'tcp' ? e.url : resolvePath(e.path);
}

/**
 * A local port can be named several ways (a by-id symlink and the tty it points to): the device it
 * resolves to now is locked too, so two runs using different names still collide. Only while
 * connected: after a replug the name points elsewhere and the old node may be reused by another device.
 */
function deviceKey(e: Endpoint): string | undefined {
  if (e.kind === 'tcp') return undefined;
  const abs = resolvePath(e.path);
  try {
    const real = realpathSync(abs);
    return real === abs ? undefined : real;
  } catch {
    return undefined;
  }
}

/** Validates `config` (TypeError naming the option) and makes an unopened stream. */
export function createByteStream(config: SerialConfig, drops?: DropCounter): ByteStream {
  const { endpoint, reconnect } = checkSerialConfig(config);
  if (endpoint.kind === 'tcp') {
    return new ByteStream(endpoint.url, endpoint, tcpConnector(endpoint.host, endpoint.port), reconnect, config.lockDir, drops);
  }
  const connector = serialConnector({
    path: endpoint.path,
    baudRate: config.baudRate!,
    dataBits: config.dataBits,
    stopBits: config.stopBits,
    parity: config.parity,
    rtscts: config.rtscts,
    watchdogMs: config.watchdogMs,
  });
  return new ByteStream(endpoint.path, endpoint, connector, reconnect, config.lockDir, drops);
}
