/**
 * Where a byte stream comes from and how it is kept alive. Checked before any I/O: a bad value is a
 * TypeError naming the option, as serialport does for its own options.
 */

import type { LeaseStore } from '../../core/lease.js';
import { isUsbSelector, parseUsbSelector, type PortLister, type UsbSelector } from './usb-selector.js';

export type Parity = 'none' | 'even' | 'odd' | 'mark' | 'space';

export interface ReconnectConfig {
  /** First delay after a loss, in ms (default 100). */
  initialMs: number;
  /** Delays double up to this (default 5000). */
  maxMs: number;
}

export interface SerialConfig {
  /**
   * A local device path (/dev/ttyUSB0, a /dev/serial/by-id symlink, a pty), tcp://host:port (ser2net,
   * raw mode) or usb:serial=…[,vendor=…,product=…,interface=…] (found in the port listing at every open).
   */
  path: string;
  /** Required for a local path or usb:; ignored for tcp:// (ser2net sets the line). */
  baudRate?: number;
  dataBits?: 5 | 6 | 7 | 8;
  stopBits?: 1 | 1.5 | 2;
  parity?: Parity;
  rtscts?: boolean;
  reconnect?: ReconnectConfig;
  /** How often a local device node is checked for having vanished, in ms (default 250); see serial-transport.ts. */
  watchdogMs?: number;
  /** Directory for lock files (default os.tmpdir()/csmp-hil-locks), when no `leases` store is given. */
  lockDir?: string;
  /** Where the port's leases are kept (a rig's `locks:` store); default lock files in `lockDir`. */
  leases?: LeaseStore;
  /** Where usb: paths are looked up (default serialport's SerialPort.list). */
  portLister?: PortLister;
}

export const DEFAULT_RECONNECT: ReconnectConfig = { initialMs: 100, maxMs: 5000 };

export type Endpoint =
  | { kind: 'tcp'; host: string; port: number; url: string }
  | { kind: 'local'; path: string }
  | { kind: 'usb'; selector: UsbSelector };

/** Parses `path` into a local device or a tcp:// endpoint. */
export function parseEndpoint(path: unknown): Endpoint {
  if (typeof path !== 'string' || path === '') throw new TypeError(`"path" must be a non-empty string, got ${JSON.stringify(path)}`);
  if (isUsbSelector(path)) return { kind: 'usb', selector: parseUsbSelector(path) };
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return { kind: 'local', path };
  let u: URL;
  try {
    u = new URL(path);
  } catch {
    throw new TypeError(`"path" ${JSON.stringify(path)} is not a valid URL`);
  }
  if (u.protocol !== 'tcp:') throw new TypeError(`"path" scheme ${u.protocol} is not supported (use a device path or tcp://host:port)`);
  const port = Number(u.port);
  if (!u.hostname || !Number.isInteger(port) || port < 1 || port > 65535 || u.pathname.replace(/^\/$/, '') !== '') {
    throw new TypeError(`"path" ${JSON.stringify(path)} must be tcp://host:port`);
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return { kind: 'tcp', host, port, url: `tcp://${u.host.toLowerCase()}` };
}

export function checkSerialConfig(c: SerialConfig): { endpoint: Endpoint; reconnect: ReconnectConfig } {
  if (c === null || typeof c !== 'object') throw new TypeError('serial config must be an object');
  const endpoint = parseEndpoint(c.path);
  if (endpoint.kind !== 'tcp' && (!Number.isInteger(c.baudRate) || c.baudRate! <= 0)) {
    throw new TypeError(`"baudRate" must be a positive integer, got ${c.baudRate}`);
  }
  if (c.dataBits !== undefined && ![5, 6, 7, 8].includes(c.dataBits)) throw new TypeError(`"dataBits" must be 5, 6, 7 or 8, got ${c.dataBits}`);
  if (c.stopBits !== undefined && ![1, 1.5, 2].includes(c.stopBits)) throw new TypeError(`"stopBits" must be 1, 1.5 or 2, got ${c.stopBits}`);
  if (c.parity !== undefined && !['none', 'even', 'odd', 'mark', 'space'].includes(c.parity)) {
    throw new TypeError(`"parity" must be none, even, odd, mark or space, got ${c.parity}`);
  }
  if (c.watchdogMs !== undefined && !(Number.isFinite(c.watchdogMs) && c.watchdogMs >= 10)) {
    throw new TypeError(`"watchdogMs" must be a number >= 10, got ${c.watchdogMs}`);
  }
  const reconnect = { ...DEFAULT_RECONNECT, ...c.reconnect };
  if (!(Number.isFinite(reconnect.initialMs) && reconnect.initialMs > 0)) {
    throw new TypeError(`"reconnect.initialMs" must be a positive number, got ${reconnect.initialMs}`);
  }
  if (!(Number.isFinite(reconnect.maxMs) && reconnect.maxMs >= reconnect.initialMs)) {
    throw new TypeError(`"reconnect.maxMs" must be a number >= reconnect.initialMs, got ${reconnect.maxMs}`);
  }
  return { endpoint, reconnect };
}
