/**
 * A device byte stream that survives the device going away: a local serial port, a USB serial
 * device found by its serial number (usb:serial=…), or a ser2net TCP port; leased exclusively
 * (port-lock.ts), reopened with exponential backoff after a loss.
 *
 * Events:
 * - 'data' (Buffer): bytes from the device
 * - 'down' (Error): the device went away; reopening has started
 * - 'up' (): (re)connected — also after the first open()
 * - 'bound' (PortBinding): the device node the stream opened, at the first open and whenever a
 *   reconnect finds the device elsewhere (a USB dongle re-enumerated as another ttyUSB): evidence
 *   for the reports
 * - 'takeover' (LeaseTakeover): a lease of a dead holder was taken over
 * - 'leaseLost' ({ record, why }): a renewal found the port's lease gone (released by force)
 * - 'retry' ({ attempt, delayMs, error }): a reopen attempt failed; the next one is in delayMs
 * - 'drop' ({ layer: 'serial', reason }): a write was thrown away (also counted in `drops`)
 *
 * Writes while down are dropped, and so are writes still queued when the loss is noticed: after a
 * replug the device has rebooted, and stale frames would be the first thing it hears.
 */
import { EventEmitter } from 'node:events';
import { ResourceError, resourceCodeOf } from '../../core/errors.js';
import { DropCounter } from '../../core/drop-counter.js';
import { portLeaseKey, type HeldLeases, type LeaseRecord, type LeaseStore } from '../../core/lease.js';
import { localLeaseStore } from '../lease/open-lease-store.js';
import { checkSerialConfig, type Endpoint, type ReconnectConfig, type SerialConfig } from './config.js';
import { devicePortKey, primaryPortKey } from './port-lock.js';
import { serialConnector } from './serial-transport.js';
import { tcpConnector } from './tcp-transport.js';
import type { Transport, TransportHandlers } from './transport.js';
import { serialPortLister } from './port-lister.js';
import { resolveUsbPath } from './usb-selector.js';

export const SERIAL_DROP = {
  whileDown: 'serial: write while down',
  queuedAtLoss: 'serial: queued at disconnect',
  writeFailed: 'serial: write failed',
} as const;

/** Where the stream is connected now; `previous` is the device node of the connection before. */
export interface PortBinding {
  /** The configured name: a path, tcp:// url or usb: selector. */
  port: string;
  /** What was opened (a usb: selector's current path). */
  path: string;
  /** The device node behind `path` (symlinks resolved). */
  device: string;
  previous?: string;
  /** One line for logs and reports. */
  message: string;
}

/** Opens what `locate` found; a fixed connector may ignore `located`. */
export type StreamConnector = (h: TransportHandlers, located: string) => Promise<Transport>;

export interface ByteStreamParts {
  name: string;
  endpoint: Endpoint;
  connector: StreamConnector;
  reconnect: ReconnectConfig;
  /** Where the port's leases are kept (default: lock files in `lockDir`). */
  leases?: LeaseStore;
  lockDir?: string;
  drops?: DropCounter;
  /** Finds what to open now, before every connect (a usb: selector's path); default: the name. */
  locate?: () => Promise<string>;
}

type State = 'idle' | 'opening' | 'up' | 'down' | 'closed';

export class ByteStream extends EventEmitter {
  readonly name: string;
  readonly drops: DropCounter;
  private readonly endpoint: Endpoint;
  private readonly connector: StreamConnector;
  private readonly reconnect: ReconnectConfig;
  private readonly leases: LeaseStore;
  private readonly locate: () => Promise<string>;
  private state: State = 'idle';
  private transport: Transport | undefined;
  /** Bumped on every connect so callbacks of a dead transport cannot touch the live one. */
  private generation = 0;
  private pending = 0;
  /** Held from open() to close(): the name the port was configured by. */
  private lease: HeldLeases | undefined;
  /** Held while connected: the device node that name resolves to now (it changes across replugs). */
  private deviceLease: HeldLeases | undefined;
  private boundDevice: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;

  constructor(parts: ByteStreamParts) {
    super();
    this.name = parts.name;
    this.endpoint = parts.endpoint;
    this.connector = parts.connector;
    this.reconnect = parts.reconnect;
    this.leases = parts.leases ?? localLeaseStore(parts.lockDir);
    this.drops = parts.drops ?? new DropCounter();
    this.locate = parts.locate ?? (async () => parts.name);
  }

  get isUp(): boolean {
    return this.state === 'up';
  }

  /** The device node of the current (or last) connection. */
  get device(): string | undefined {
    return this.boundDevice;
  }

  /**
   * Leases the port and connects once. Rejects with ResourceError if the port is held by another
   * run or cannot be opened now (a device absent at start is a rig problem to report, not to wait out).
   */
  async open(): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'closed') throw new ResourceError(this.name, 'state', `open() while ${this.state}`);
    this.state = 'opening';
    try {
      this.lease = await this.take(primaryPortKey(this.endpoint));
    } catch (e) {
      this.state = 'idle';
      throw e;
    }
    if ((this.state as State) === 'closed') return this.releaseAll(); // close() came first
    try {
      await this.connectOnce();
    } catch (e) {
      await this.releaseAll();
      this.state = 'idle';
      if (e instanceof ResourceError && e.resource === this.name) throw e;
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
      await this.releaseAll();
    }
  }

  private async take(key: string): Promise<HeldLeases> {
    const held = await this.leases.acquire([{ key: portLeaseKey(key), label: this.name }]);
    for (const t of held.takeovers) this.emit('takeover', t);
    held.onLost((record: LeaseRecord, why: string) => this.emit('leaseLost', { record, why }));
    return held;
  }

  private async connectOnce(): Promise<void> {
    const gen = ++this.generation;
    const located = await this.locate();
    await this.releaseDevice();
    const deviceKey = devicePortKey(this.endpoint, located);
    if (deviceKey) {
      const held = await this.take(deviceKey);
      if (this.state === 'closed' || gen !== this.generation) {
        await held.release();
        return;
      }
      this.deviceLease = held;
    }
    let t: Transport;
    try {
      t = await this.connector(
        {
          data: (b) => {
            if (gen === this.generation) this.emit('data', b);
          },
          lost: (err) => {
            if (gen === this.generation) this.onLost(err);
          },
        },
        located,
      );
    } catch (e) {
      await this.releaseDevice();
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
    this.bound(located, deviceKey ?? primaryPortKey(this.endpoint));
  }

  private bound(path: string, device: string): void {
    const previous = this.boundDevice;
    if (previous === device) return;
    this.boundDevice = device;
    const shown = device === path ? path : `${path} (${device})`;
    const message =
      previous === undefined ? `${this.name}: bound to ${shown}` : `${this.name}: came back as ${shown}, was ${previous}`;
    const b: PortBinding = { port: this.name, path, device, message, ...(previous !== undefined ? { previous } : {}) };
    this.emit('bound', b);
  }

  private onLost(err: Error): void {
    if (this.state !== 'up') return;
    this.generation++;
    this.state = 'down';
    this.transport = undefined;
    void this.releaseDevice();
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

  private async releaseDevice(): Promise<void> {
    const held = this.deviceLease;
    this.deviceLease = undefined;
    await held?.release();
  }

  private async releaseAll(): Promise<void> {
    await this.releaseDevice();
    const held = this.lease;
    this.lease = undefined;
    await held?.release();
  }

  private countDrop(reason: string, n = 1): void {
    this.drops.count(reason, n);
    this.emit('drop', { layer: 'serial', reason, count: n });
  }
}

/** Validates `config` (TypeError naming the option) and makes an unopened stream. */
export function createByteStream(config: SerialConfig, drops?: DropCounter): ByteStream {
  const { endpoint, reconnect } = checkSerialConfig(config);
  const common = { reconnect, ...(config.leases ? { leases: config.leases } : {}), ...(config.lockDir ? { lockDir: config.lockDir } : {}), ...(drops ? { drops } : {}) };
  if (endpoint.kind === 'tcp') {
    const connect = tcpConnector(endpoint.host, endpoint.port);
    return new ByteStream({ name: endpoint.url, endpoint, connector: (h) => connect(h), ...common });
  }
  const line = {
    baudRate: config.baudRate!,
    dataBits: config.dataBits,
    stopBits: config.stopBits,
    parity: config.parity,
    rtscts: config.rtscts,
    watchdogMs: config.watchdogMs,
  };
  const connector: StreamConnector = (h, located) => serialConnector({ ...line, path: located })(h);
  if (endpoint.kind === 'usb') {
    const list = config.portLister ?? serialPortLister;
    const { selector } = endpoint;
    return new ByteStream({ name: selector.text, endpoint, connector, locate: () => resolveUsbPath(selector, list), ...common });
  }
  return new ByteStream({ name: endpoint.path, endpoint, connector, ...common });
}
