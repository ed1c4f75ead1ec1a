/**
 * The virtual board's power switch as a unix-domain socket in the run folder. It stands in for a
 * relay board: the rig's power commands run power-cli.mjs against it through execa, exactly the
 * path a real relay command takes (drivers/power), so the virtual rig tests that path too.
 *
 * Protocol, one line each way: `on` | `off` | `cycle` | `status` → `ok on` | `ok off`, or
 * `error <reason>`. A connection may send several lines.
 */
import { existsSync, lstatSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { ResourceError, resourceCodeOf } from '../../../core/errors.js';
import type { BoardPower } from './power.js';

/** sun_path is 108 bytes on Linux, NUL included. */
const MAX_SOCKET_PATH = 107;
const MAX_LINE = 256;

export class PowerSocket {
  private readonly sockets = new Set<Socket>();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly server: Server,
  ) {}

  static async listen(path: string, power: BoardPower): Promise<PowerSocket> {
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
      throw new ResourceError(path, 'limit', `unix socket path is ${Buffer.byteLength(path)} bytes, the limit is ${MAX_SOCKET_PATH}: use a shorter run folder`);
    }
    // A socket file left by a killed run would make listen() fail with EADDRINUSE.
    if (existsSync(path) && lstatSync(path).isSocket()) rmSync(path);
    const server = createServer();
    const ps = new PowerSocket(path, server);
    server.on('connection', (s) => ps.serve(s, power));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(new ResourceError(path, resourceCodeOf(e), `cannot listen: ${e.message}`, { cause: e })));
      server.listen(path, () => resolve());
    });
    return ps;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }

  private serve(s: Socket, power: BoardPower): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => {});
    s.setEncoding('utf8');
    let buf = '';
    s.on('data', (text: string) => {
      buf += text;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) s.write(`${answer(line, power)}\n`);
      }
      if (buf.length > MAX_LINE) {
        s.end('error line too long\n');
        buf = '';
      }
    });
  }
}

function answer(line: string, power: BoardPower): string {
  switch (line) {
    case 'on':
      power.on();
      break;
    case 'off':
      power.off();
      break;
    case 'cycle':
      power.cycle();
      break;
    case 'status':
      break;
    default:
      return `error unknown command '${line.slice(0, 40)}' (on, off, cycle, status)`;
  }
  return `ok ${power.isOn ? 'on' : 'off'}`;
}
