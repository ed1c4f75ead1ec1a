/**
 * A local serial device through serialport (bindings-cpp).
 *
 * Hang-up detection needs more than serialport's 'close': when the other end of a tty goes away
 * while a read is being set up, the tty is left hung up, read(2) returns 0 forever and bindings-cpp
 * retries 0-byte reads in a loop (about 90% of a core here) without ever reporting a disconnect;
 * only a later write fails (EIO). Measured with the pty helper: 9 of 30 unplugs right after a burst
 * of data. The device node vanishes in that case (a pty's /dev/pts/N, a USB adapter's ttyUSBn), so
 * a watchdog stat()s the node the port resolved to and declares the device lost when it is gone or
 * is another device; closing the port then also ends the read loop.
 */
import { realpathSync, stat, statSync } from 'node:fs';
import { SerialPort } from 'serialport';
import type { Parity } from './config.js';
import type { Connector, Transport, TransportHandlers } from './transport.js';

export interface SerialLineSettings {
  path: string;
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  stopBits?: 1 | 1.5 | 2;
  parity?: Parity;
  rtscts?: boolean;
  /** Interval of the device-node watchdog in ms (default 250). */
  watchdogMs?: number;
}

export function serialConnector(s: SerialLineSettings): Connector {
  return (h) => openSerial(s, h);
}

function openSerial(s: SerialLineSettings, h: TransportHandlers): Promise<Transport> {
  // autoOpen: false so an open failure arrives in the callback, not as an 'error' event nobody awaits.
  const port = new SerialPort({
    path: s.path,
    baudRate: s.baudRate,
    dataBits: s.dataBits ?? 8,
    stopBits: s.stopBits ?? 1,
    parity: s.parity ?? 'none',
    rtscts: s.rtscts ?? false,
    autoOpen: false,
  });
  return new Promise((resolve, reject) => {
    let closing = false;
    let gone = false;
    let watchdog: NodeJS.Timeout | undefined;
    const lose = (err: Error) => {
      clearInterval(watchdog);
      if (gone || closing) return;
      gone = true;
      h.lost(err);
      if (port.isOpen) port.close(() => {});
    };
    // Errors not tied to a callback (a failed write's EIO, a failed close) also mean the device is
    // unusable; a listener must exist or the process dies on them.
    port.on('error', (err: Error) => lose(err));
    port.open((err) => {
      if (err) {
        reject(err);
        return;
      }
      // A 'data' listener is what makes a hang-up visible at all: without a pending read, serialport
      // never learns that the other end went away (toolchain.md).
      port.on('data', (b: Buffer) => h.data(b));
      port.on('close', (e: (Error & { disconnected?: boolean }) | null) => {
        lose(e ?? new Error(`${s.path} closed`));
      });
      const node = deviceNode(s.path);
      if (node) {
        watchdog = setInterval(() => {
          stat(node.path, (e, st) => {
            if (e) lose(new Error(`${s.path}: device node ${node.path} is gone (${(e as NodeJS.ErrnoException).code})`));
            else if (st.rdev !== node.rdev) lose(new Error(`${s.path}: device node ${node.path} is now another device`));
          });
        }, s.watchdogMs ?? 250);
        // The open port keeps the process alive; this timer alone should not.
        watchdog.unref();
      }
      resolve({
        write(bytes, done) {
          port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (e) => done(e));
        },
        close() {
          closing = true;
          clearInterval(watchdog);
          return new Promise((res) => {
            if (!port.isOpen) return res();
            port.close(() => res());
          });
        },
      });
    });
  });
}

/** The character device `path` resolves to now, or undefined when it cannot be told (not a device). */
function deviceNode(path: string): { path: string; rdev: number } | undefined {
  try {
    const real = realpathSync(path);
    const st = statSync(real);
    return st.isCharacterDevice() ? { path: real, rdev: st.rdev } : undefined;
  } catch {
    return undefined;
  }
}
