/**
 * A TCP server that accepts connections and never says a word: what a client sees of a Redis that
 * is wedged, or of a proxy in front of a dead one. `connected` resolves at each new connection;
 * `closed` tells whether every connection it accepted has been closed by the client.
 */
import { createServer, type Server, type Socket } from 'node:net';

export class SilentServer {
  private readonly sockets = new Set<Socket>();
  private waiting: (() => void)[] = [];
  accepted = 0;
  open = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    server.on('connection', (s: Socket) => {
      this.accepted++;
      this.open++;
      this.sockets.add(s);
      s.on('error', () => {});
      // Read and ignored: unread, the socket would never see the client's end of the connection.
      s.resume();
      s.on('close', () => {
        this.open--;
        this.sockets.delete(s);
      });
      for (const w of this.waiting.splice(0)) w();
    });
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static start(): Promise<SilentServer> {
    const server = createServer();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(new SilentServer(server, (server.address() as { port: number }).port)));
    });
  }

  /** Resolves once `n` connections in all have been accepted. */
  connected(n = 1): Promise<void> {
    if (this.accepted >= n) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => (this.accepted >= n ? resolve() : void this.waiting.push(check));
      this.waiting.push(check);
    });
  }

  /** Resolves once no accepted connection is open any more. */
  async drained(): Promise<void> {
    await Promise.all([...this.sockets].map((s) => new Promise((r) => (s.destroyed ? r(undefined) : s.once('close', r)))));
  }

  stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}
