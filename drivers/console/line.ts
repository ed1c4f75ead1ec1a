/**
 * The byte pipe under a console: a local serial device or a serial server's raw TCP port
 * (`tcp://host:port`, ser2net), through the same transports the SLIP link uses — so a console on
 * a USB adapter gets the same hang-up watchdog. What this adds for the console: errors that name
 * the console's path, an open timeout, and writes as promises.
 */
import { ResourceError, resourceCodeOf } from '../../core/errors.js';
import { parseEndpoint } from '../serial/config.js';
import { serialConnector } from '../serial/serial-transport.js';
import { tcpConnector } from '../serial/tcp-transport.js';
import { serialPortLister } from '../serial/port-lister.js';
import { resolveUsbPath } from '../serial/usb-selector.js';
import type { Connector, Transport } from '../serial/transport.js';

export interface ConsoleLine {
  write(bytes: Uint8Array): Promise<void>;
  /** Safe to call twice; no `lost` follows. */
  close(): Promise<void>;
}

export interface ConsoleLineHandlers {
  data(chunk: Buffer): void;
  /** The line is gone (unplugged, peer closed, I/O error). Called at most once. */
  lost(err: Error): void;
}

export type ConsoleConnector = (path: string, baudRate: number, h: ConsoleLineHandlers, openTimeoutMs: number) => Promise<ConsoleLine>;

export const openConsoleLine: ConsoleConnector = (path, baudRate, h, openTimeoutMs) => {
  let connector: Connector;
  try {
    const ep = parseEndpoint(path);
    connector =
      ep.kind === 'tcp'
        ? tcpConnector(ep.host, ep.port)
        : ep.kind === 'usb'
          ? async (h) => serialConnector({ path: await resolveUsbPath(ep.selector, serialPortLister), baudRate })(h)
          : serialConnector({ path, baudRate });
  } catch (e) {
    return Promise.reject(new ResourceError(path, 'unavailable', (e as Error).message));
  }
  const verb = path.startsWith('tcp://') ? 'connect' : 'open';
  const opened = connector({
    data: (b) => h.data(b),
    lost: (err) => h.lost(new ResourceError(path, 'lost', withoutPath(path, err.message), { cause: err })),
  }).then(consoleLine(path), (e: Error) => {
    throw new ResourceError(path, resourceCodeOf(e), `cannot ${verb}: ${e.message}`, { cause: e });
  });
  return bounded(path, openTimeoutMs, opened, (line) => void line.close());
};

/** The transports name their endpoint; ResourceError names it once. */
function withoutPath(path: string, message: string): string {
  return message.startsWith(path) ? message.slice(path.length).replace(/^[:\s]+/, '') : message;
}

function consoleLine(path: string): (t: Transport) => ConsoleLine {
  return (t) => {
    let closed: Promise<void> | undefined;
    return {
      write: (bytes) =>
        new Promise((res, rej) => {
          if (closed) return rej(new ResourceError(path, 'state', 'write on a closed line'));
          t.write(bytes, (e) => (e ? rej(new ResourceError(path, 'io', `write failed: ${e.message}`, { cause: e })) : res()));
        }),
      close: () => {
        // A wedged USB adapter can sit in close(); the console is given up either way.
        closed ??= Promise.race([t.close(), new Promise<void>((res) => setTimeout(res, 1000).unref())]);
        return closed;
      },
    };
  };
}

function bounded<T>(what: string, ms: number, p: Promise<T>, onLate: (v: T) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false;
    const t = setTimeout(() => {
      done = true;
      reject(new ResourceError(what, 'timeout', `not open after ${ms} ms`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(t);
        if (done) onLate(v);
        else resolve(v);
      },
      (e) => {
        clearTimeout(t);
        if (!done) reject(e);
      },
    );
  });
}
