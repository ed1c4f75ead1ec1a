/** A serial port exported over TCP by ser2net in raw mode: the socket carries the line's bytes as is. */
import { connect, type Socket } from 'node:net';
import type { Connector, Transport, TransportHandlers } from './transport.js';

export function tcpConnector(host: string, port: number): Connector {
  return (h) => openTcp(host, port, h);
}

function openTcp(host: string, port: number, h: TransportHandlers): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const sock: Socket = connect({ host, port });
    let connected = false;
    let closing = false;
    let gone = false;
    sock.once('error', (err) => {
      if (!connected) reject(err);
    });
    // After connect, errors are followed by 'close'; this listener only keeps them from being unhandled.
    sock.on('error', () => {});
    sock.once('connect', () => {
      connected = true;
      // Frames are small and latency matters more than packing.
      sock.setNoDelay(true);
      sock.on('data', (b: Buffer) => h.data(b));
      sock.on('close', () => {
        if (gone || closing) return;
        gone = true;
        h.lost(new Error(`tcp://${host}:${port} connection closed`));
      });
      resolve({
        write(bytes, done) {
          if (sock.destroyed || !sock.writable) return done(new Error('socket closed'));
          sock.write(bytes, (e) => done(e));
        },
        close() {
          closing = true;
          return new Promise((res) => {
            if (sock.destroyed) return res();
            sock.once('close', () => res());
            sock.end();
            // ser2net may not answer the FIN promptly; don't let close() hang on it.
            setTimeout(() => sock.destroy(), 1000).unref();
          });
        },
      });
    });
  });
}
