import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildUdpPacket } from '../../../drivers/ip/packet.js';
import { SlipLink } from '../../../drivers/link/slip-link.js';
import type { Datagram } from '../../../drivers/link/types.js';
import { slipEncode } from '../../../drivers/slip/slip-encode.js';
import { PtyPair } from '../../../rigs/virtual/pty/pty-pair.js';
import { expectResourceRejection } from '../../support/errors.js';
import { bytesUntil, FRAME5, next, within } from '../support/helpers.js';

const ser2net = spawnSync('sh', ['-c', 'command -v ser2net'], { encoding: 'utf8' }).stdout.trim();
if (!ser2net) console.warn('serial-tcp.test.ts skipped: the ser2net binary is not installed (apt-get install ser2net)');
const describeIf = ser2net ? describe : describe.skip;

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as { port: number };
  srv.close();
  await once(srv, 'close');
  return port;
}

/** Resolves once something accepts on the port: retries on each refusal, bounded by `ms`. */
function listening(port: number, ms: number): Promise<void> {
  const attempt = (): Promise<void> =>
    new Promise((res, rej) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => { s.destroy(); res(); });
      s.once('error', rej);
    });
  const loop = async (): Promise<void> => {
    for (;;) {
      try {
        return await attempt();
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  return within(loop(), ms, `ser2net listening on ${port}`);
}

describeIf('SlipLink over tcp:// through a real ser2net (raw mode)', () => {
  let dir: string;
  let pty: PtyPair;
  let daemon: ChildProcess;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hil-ser2net-'));
    pty = await PtyPair.open({ link: join(dir, 'dongle') });
    const port = await freePort();
    url = `tcp://127.0.0.1:${port}`;
    const cfg = join(dir, 'ser2net.yaml');
    writeFileSync(
      cfg,
      [
        'connection: &dongle',
        `  accepter: tcp,127.0.0.1,${port}`,
        `  connector: serialdev,${pty.path},115200n81,local`,
        '  options:',
        '    kickolduser: true',
        '    mdns: false',
        '',
      ].join('\n'),
    );
    // -n: stay in the foreground so the test owns the process; -u: no UUCP lock files in /var/lock.
    daemon = spawn(ser2net, ['-n', '-u', '-c', cfg, '-P', join(dir, 'ser2net.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
    daemon.stderr!.on('data', () => {});
    await listening(port, 10000);
  });

  afterAll(async () => {
    if (daemon && daemon.exitCode === null) {
      const exited = once(daemon, 'exit');
      daemon.kill('SIGTERM');
      await within(exited, 5000, 'ser2net to exit');
    }
    await pty?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('datagrams both ways; a second run on the same URL is refused', async () => {
    const link = new SlipLink({ path: url, localAddresses: ['2018::2'] });
    await link.open();
    try {
      const refused = new SlipLink({ path: url, localAddresses: ['2018::2'] }).open();
      await expectResourceRejection(refused, { resource: url, code: 'busy' });

      // Harness -> device first: ser2net opens the tty only once a client has connected, and bytes
      // the device sent before that are gone (the tty is flushed on open). A frame arriving at the
      // pty proves ser2net holds the device, so the device's answer cannot be lost that way.
      const expected = FRAME5.slice();
      expected.set([0x60, 0, 0, 0], 0);
      const wire = slipEncode(expected);
      const arrived = bytesUntil(pty, (all) => all.length >= wire.length, 5000, 'the frame at the pty behind ser2net');
      link.send({ src: '2018::2', dst: '2018::188', srcPort: 62590, dstPort: 61628, payload: FRAME5.subarray(48) });
      expect(Buffer.from(await arrived)).toEqual(Buffer.from(wire));

      const got = next<Datagram>(link, 'datagram');
      pty.write(slipEncode(buildUdpPacket({ src: '2018::188', dst: '2018::2', srcPort: 61628, dstPort: 62590, payload: Buffer.from('via ser2net') })));
      const d = await got;
      expect([d.src, d.srcPort, d.dstPort, Buffer.from(d.payload).toString()]).toEqual(['2018::188', 61628, 62590, 'via ser2net']);
    } finally {
      await link.close();
    }
  });
});
