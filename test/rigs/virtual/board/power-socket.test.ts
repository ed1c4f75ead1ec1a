import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoardPower } from '../../../../rigs/virtual/board/power.js';
import { PowerSocket } from '../../../../rigs/virtual/board/power-socket.js';
import { expectResourceRejection } from '../../../support/errors.js';

/** Sends lines on one connection and collects one answer per line. */
function converse(path: string, lines: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let buf = '';
    const timer = setTimeout(() => (s.destroy(), reject(new Error(`no answers within 2 s, got ${JSON.stringify(buf)}`))), 2000);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(lines.map((l) => `${l}\n`).join('')));
    s.on('data', (t: string) => {
      buf += t;
      const got = buf.split('\n').slice(0, -1);
      if (got.length >= lines.length) {
        clearTimeout(timer);
        s.end();
        resolve(got);
      }
    });
    s.on('error', (e) => (clearTimeout(timer), reject(e)));
  });
}

describe('PowerSocket', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-psock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('on/off/cycle/status switch the board and call the hooks in order', async () => {
    const events: string[] = [];
    const power = new BoardPower(true, () => ({ onPowerOn: () => events.push('on'), onPowerOff: () => events.push('off') }));
    const sock = await PowerSocket.listen(join(dir, 'power.sock'), power);
    expect(await converse(sock.path, ['status', 'off', 'off', 'status', 'on', 'cycle', 'bogus'])).toEqual([
      'ok on',
      'ok off',
      'ok off',
      'ok off',
      'ok on',
      'ok on',
      "error unknown command 'bogus' (on, off, cycle, status)",
    ]);
    expect(events).toEqual(['off', 'on', 'off', 'on']);
    await sock.close();
    await sock.close();
  });

  test('a socket file left by a killed run is replaced; an over-long path is refused up front', async () => {
    const power = new BoardPower(false);
    // A process that bound the socket and died leaves the file behind.
    execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', join(dir, 'power.sock')]);
    expect(lstatSync(join(dir, 'power.sock')).isSocket()).toBe(true);
    const second = await PowerSocket.listen(join(dir, 'power.sock'), power);
    expect(await converse(second.path, ['status'])).toEqual(['ok off']);
    await second.close();
    await expectResourceRejection(PowerSocket.listen(join(dir, 'x'.repeat(120)), power), { resource: join(dir, 'x'.repeat(120)), code: 'limit' });
  });
});
