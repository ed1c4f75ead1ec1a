/**
 * A console on a serial server's raw TCP port (ser2net): a real socket on loopback stands in for
 * the server, the board's side answering like the virtual board's CLI.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { Console } from '../../../drivers/console/console.js';
import { ResourceError } from '../../../core/errors.js';
import { expectErrorLike, expectResourceRejection } from '../../support/errors.js';

const PROMPT = 'meter> ';

describe('Console over tcp:// (ser2net raw mode)', () => {
  let server: Server;
  let board: Socket | undefined;
  let url: string;

  beforeEach(async () => {
    server = createServer((s) => {
      board = s;
      s.on('data', (b) => {
        if (b.toString() === 'date\r\n') s.write('1716840000 2024-05-27T20:00:00Z\r\nmeter> ');
      });
      s.on('error', () => {});
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `tcp://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterEach(async () => {
    board?.destroy();
    board = undefined;
    await new Promise((r) => server.close(r));
  });

  test('runs a command; the server closing the connection rejects the running one, naming board and URL', async () => {
    const c = await Console.open({ board: 'meter-1', path: url, prompt: PROMPT });
    expect((await c.run('date')).output).toBe('1716840000 2024-05-27T20:00:00Z');
    const pending = c.run('hang', { timeoutMs: 10_000 });
    board!.destroy();
    const lost = await expectResourceRejection(pending, { resource: 'console meter-1', code: 'lost' });
    expect(lost.reason).toContain(url);
    await c.close();
  });

  test('nothing listening → ResourceError naming the URL, not a hang', async () => {
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r));
    server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const err = await Console.open({ board: 'meter-1', path: `tcp://127.0.0.1:${port}`, prompt: PROMPT }).catch((e: unknown) => e);
    expectErrorLike(err, ResourceError, { resource: `tcp://127.0.0.1:${port}`, code: 'refused' });
  });

  test('a path that is neither a device nor tcp://host:port is refused before any I/O', async () => {
    const err = await Console.open({ board: 'meter-1', path: 'tcp://host-without-port', prompt: PROMPT }).catch((e: unknown) => e);
    expectErrorLike(err, ResourceError, { resource: 'tcp://host-without-port', code: 'unavailable' });
  });
});
