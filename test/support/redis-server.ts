/**
 * A real redis-server (Debian's) for the lease tests: loopback only, a free port, its files in a
 * temporary folder, no persistence; frozen with SIGSTOP by freeze(), stopped (and its folder
 * removed) by stop().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export class RedisServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServer> {
    let last: Error | undefined;
    // The port found free may be taken before redis binds it: try another.
    for (let attempt = 0; attempt < 3; attempt++) {
      const dir = mkdtempSync(join(tmpdir(), 'hil-redis-'));
      const port = await freePort();
      try {
        return await RedisServer.launch(port, dir);
      } catch (e) {
        rmSync(dir, { recursive: true, force: true });
        last = e as Error;
      }
    }
    throw last!;
  }

  private static launch(port: number, dir: string): Promise<RedisServer> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Promise((resolve, reject) => {
      let out = '';
      const onData = (b: Buffer): void => {
        out += b.toString();
        if (out.includes('Ready to accept connections')) {
          child.stdout!.off('data', onData);
          child.off('exit', onExit);
          resolve(new RedisServer(child, port, dir));
        }
      };
      const onExit = (code: number | null): void => reject(new Error(`redis-server exited (${code}) before it was ready: ${out.trim().slice(-500)}`));
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', onExit);
      child.once('error', (e) => reject(new Error(`cannot start redis-server (apt-get install redis-server): ${e.message}`)));
    });
  }

  /** SIGSTOP: the server keeps its connections (the kernel still accepts new ones) and answers nothing. */
  freeze(): void {
    this.child.kill('SIGSTOP');
  }

  /** SIGCONT after freeze(). */
  thaw(): void {
    this.child.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const gone = new Promise((r) => this.child.once('exit', r));
      // A frozen server would hold SIGTERM until it runs again.
      this.child.kill('SIGCONT');
      this.child.kill('SIGTERM');
      await gone;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
