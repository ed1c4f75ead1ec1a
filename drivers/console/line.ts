/**
 * The byte pipe under a console: a local serial device (serialport) or a serial server's raw TCP
 * port (`tcp://host:port`, ser2net). Kept to this one small contract so the console can move onto
 * drivers/serial's transports later without changing Console.
 */
import { connect } from 'node:net';
import { SerialPort } from 'serialport';
import { ResourceError } from '../../harness/errors.js';

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

const TCP_PATH = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/;

export function parseTcpPath(path: string): { host: string; port: number } | undefined {
  const m = TCP_PATH.exec(path);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export const openConsoleLine: ConsoleConnector = (path, baudRate, h, openTimeoutMs) => {
  if (path.startsWith('tcp://')) {
    const addr = parseTcpPath(path);
    if (!addr) return Promise.reject(new ResourceError(path, "expected 'tcp://host:port'"));
    return openTcp(path, addr.host, addr.port, h, openTimeoutMs);
  }
  return openSerial(path, baudRate, h, openTimeoutMs);
};

function bounded<T>(what: string, ms: number, p: Promise<T>, onLate: (v: T) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false;
    const t = setTimeout(() => {
      done = true;
      reject(new ResourceError(what, `not open after ${ms} ms`));
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

function openSerial(path: string, baudRate: number, h: ConsoleLineHandlers, openTimeoutMs: number): Promise<ConsoleLine> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  let closing = false;
  let gone = false;
  const lose = (err: Error) => {
    if (gone || closing) return;
    gone = true;
    h.lost(err);
  };
  // After the slave closes, reads raise EIO; 'close' (disconnected) follows, which is what we report.
  port.on('error', (e: Error) => lose(new ResourceError(path, `serial error: ${e.message}`, { cause: e })));
  port.on('close', (e: (Error & { disconnected?: boolean }) | null) => lose(new ResourceError(path, e?.disconnected ? 'device disconnected' : 'port closed')));
  // A data listener must exist for a hang-up to be noticed at all (toolchain.md).
  port.on('data', (b: Buffer) => h.data(b));
  const opened = new Promise<ConsoleLine>((resolve, reject) => {
    port.open((err) => {
      if (err) return reject(new ResourceError(path, `cannot open: ${err.message}`, { cause: err }));
      resolve({
        write: (bytes) =>
          new Promise((res, rej) => {
            if (!port.isOpen) return rej(new ResourceError(path, 'write on a closed port'));
            port.write(Buffer.from(bytes), (e) => (e ? rej(new ResourceError(path, `write failed: ${e.message}`, { cause: e })) : res()));
          }),
        close: () => {
          closing = true;
          return new Promise((res) => {
            if (!port.isOpen) return res();
            port.close(() => res());
            // A wedged USB adapter can sit in close(); the console is given up either way.
            setTimeout(res, 1000).unref();
          });
        },
      });
    });
  });
  return bounded(path, openTimeoutMs, opened, (line) => void line.close());
}

function openTcp(path: string, host: string, port: number, h: ConsoleLineHandlers, openTimeoutMs: number): Promise<ConsoleLine> {
  const sock = connect({ host, port });
  let connected = false;
  let closing = false;
  let gone = false;
  const opened = new Promise<ConsoleLine>((resolve, reject) => {
    sock.once('error', (e) => {
      if (!connected) reject(new ResourceError(path, `cannot connect: ${e.message}`, { cause: e }));
    });
    // After connect an error is followed by 'close', which reports the loss.
    sock.on('error', () => {});
    sock.once('connect', () => {
      connected = true;
      sock.setNoDelay(true);
      sock.on('data', (b: Buffer) => h.data(b));
      sock.on('close', () => {
        if (gone || closing) return;
        gone = true;
        h.lost(new ResourceError(path, 'connection closed by the serial server'));
      });
      resolve({
        write: (bytes) =>
          new Promise((res, rej) => {
            if (sock.destroyed || !sock.writable) return rej(new ResourceError(path, 'write on a closed connection'));
            sock.write(bytes, (e) => (e ? rej(new ResourceError(path, `write failed: ${e.message}`, { cause: e })) : res()));
          }),
        close: () => {
          closing = true;
          return new Promise((res) => {
            if (sock.destroyed) return res();
            sock.once('close', () => res());
            sock.end();
            // ser2net may not answer the FIN promptly; close() must not hang on it.
            setTimeout(() => sock.destroy(), 1000).unref();
          });
        },
      });
    });
  });
  return bounded(path, openTimeoutMs, opened, (line) => void line.close()).catch((e) => {
    sock.destroy();
    throw e;
  });
}
