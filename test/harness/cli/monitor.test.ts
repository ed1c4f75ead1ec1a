/**
 * hil monitor through the built CLI against a pty as the virtual rig's dongle is (PtyPair): frames
 * decoded as they arrive, counters at the end, a pcap written, not one byte sent to the device, a
 * port a run holds refused with the holder named (the virtual rig's dongle too), and a dongle that goes away and comes back at the
 * same path (re-enumeration) followed: down said, reconnected, decoding after it.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { SlipLink } from '../../../drivers/link/slip-link.js';
import { readPcapFile } from '../../../drivers/pcap/reader.js';
import { slipEncode } from '../../../drivers/slip/slip-encode.js';
import { PtyPair } from '../../../rigs/virtual/pty/pty-pair.js';
import { openBench } from '../../../harness/app/open-bench.js';
import { loadRig } from '../../../harness/config/rig.js';
import { writeRig } from '../../suites/support/rigs.js';
import { VECTORS } from '../../support/vectors.js';
import { ensureBuilt, MAIN, until } from './support/cli.js';

jest.setTimeout(60_000);

const packets = readPcapFile(join(VECTORS, 'csmp_register.pcap')).records.map((r) => r.ipv6!);

function monitor(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [MAIN, 'monitor', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('hil monitor', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hil-monitor-'));
    await ensureBuilt();
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('decodes each frame as it arrives, writes the pcap, prints the counters, and never writes to the port', async () => {
    const path = join(dir, 'dongle-a');
    const pty = await PtyPair.open({ link: path });
    let written = 0;
    pty.on('data', (b: Buffer) => (written += b.length));
    try {
      const m = monitor([path, '--frames', '4', '--pcap', join(dir, 'cap'), '--stats', '0'], { TMPDIR: dir });
      await until(() => m.stderr().includes('listening on'), 20_000, 'the monitor to listen');
      const wire = Buffer.concat([...packets, ...packets].map((p) => slipEncode(p)));
      pty.write(wire);
      const r = await m.exited;
      expect(r.code).toBe(0);
      expect(r.stdout.match(/^#\d+ /gm)).toEqual(['#1 ', '#2 ', '#3 ', '#4 ']);
      expect(r.stdout).toContain('CON 0.02 POST MID');
      expect(r.stdout).toContain('[2/DeviceID]: {type: 1, id: "0A0027FFFE3B2AB2"}');
      expect(r.stderr).toContain(`done: 4 frames, ${wire.length.toLocaleString('en-US')} bytes, 0 dropped; 1 pcap file`);
      const files = readdirSync(join(dir, 'cap'));
      expect(files).toHaveLength(1);
      expect(readPcapFile(join(dir, 'cap', files[0]!)).records.map((x) => Buffer.from(x.ipv6!).toString('hex'))).toEqual([...packets, ...packets].map((p) => Buffer.from(p).toString('hex')));
      // Receive only: the device heard nothing.
      expect(written).toBe(0);
    } finally {
      await pty.close();
    }
  });

  test('a port a run holds is refused, naming the holder', async () => {
    const path = join(dir, 'dongle-b');
    const pty = await PtyPair.open({ link: path });
    const run = new SlipLink({ path, baudRate: 115200, localAddresses: ['fd00::1'], lockDir: join(dir, 'csmp-hil-locks') });
    await run.open();
    try {
      const r = await monitor([path, '--stats', '0'], { TMPDIR: dir }).exited;
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`pid ${process.pid}`);
      expect(r.stderr).toMatch(/^hil monitor: .*in use by \S+ pid \d+ since /m);
    } finally {
      await run.close();
      await pty.close();
    }
  });

  test("the virtual rig's dongle a run holds is refused naming the run, as any other port", async () => {
    // A run's bench on the virtual rig, its leases in the default lock folder (this process's and
    // the monitor's temp folder are the same).
    const runDir = join(dir, 'vrun');
    const bench = await openBench(await loadRig(writeRig(dir, 'vmon', [{}])), { runDir });
    try {
      const path = join(runDir, 'rig', 'dongle0');
      const r = await monitor([path, '--stats', '0'], {}).exited;
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]!.startsWith(`hil monitor: ${path}: in use by ${userInfo().username}@${hostname()} pid ${process.pid} since `)).toBe(true);
      expect(lines[0]!.endsWith(` (lock folder ${join(tmpdir(), 'csmp-hil-locks')})`)).toBe(true);
    } finally {
      await bench.close();
    }
  });

  test('follows a dongle that goes away and comes back at the same by-id path on another tty, decoding after it', async () => {
    // The path is a symlink, as /dev/serial/by-id names are; the replugged dongle gets another tty node.
    const path = join(dir, 'dongle-c');
    let pty = await PtyPair.open({ link: path });
    const firstNode = realpathSync(path);
    const squatters: PtyPair[] = [];
    const wire = Buffer.concat(packets.map((p) => slipEncode(p)));
    const m = monitor([path, '--frames', '4', '--stats', '0'], { TMPDIR: dir });
    try {
      await until(() => m.stderr().includes('listening on'), 20_000, 'the monitor to listen');
      pty.write(wire);
      await until(() => /^#2 /m.test(m.stdout()), 20_000, 'the first two frames');
      // Unplugged: the pty and its path vanish; replugged: a new pty at the same path.
      await pty.close();
      await until(() => m.stderr().includes(`${path}: down (`), 20_000, `the monitor to see the loss (stderr: ${m.stderr()})`);
      expect(m.stderr()).not.toContain(`${path}: up`);
      // The replugged dongle must come back on another tty node. The kernel hands out the lowest
      // free node and other tests free theirs at any time, so a pty that lands on the old node is
      // kept open (it squats there) and another is tried; the path is published only then.
      const staging = join(dir, 'dongle-c.next');
      for (let tries = 0; ; tries++) {
        const next = await PtyPair.open({ link: staging });
        if (next.ttyPath !== firstNode) { pty = next; break; }
        squatters.push(next);
        expect(tries).toBeLessThan(8);
      }
      renameSync(staging, path);
      expect(realpathSync(path)).not.toBe(firstNode);
      await until(() => m.stderr().includes(`${path}: up`), 30_000, `the monitor to reconnect (stderr: ${m.stderr()})`);
      pty.write(wire);
      const r = await m.exited;
      expect(r.code).toBe(0);
      expect(r.stdout.match(/^#\d+ /gm)).toEqual(['#1 ', '#2 ', '#3 ', '#4 ']);
      expect(r.stdout.match(/\[2\/DeviceID\]: \{type: 1, id: "0A0027FFFE3B2AB2"\}/g)).toHaveLength(2);
      expect(r.stderr.indexOf(`${path}: down (`)).toBeLessThan(r.stderr.indexOf(`${path}: up`));
      expect(r.stderr).toContain(`done: 4 frames, ${(2 * wire.length).toLocaleString('en-US')} bytes, 0 dropped`);
    } finally {
      m.child.kill('SIGKILL');
      await pty.close();
      await Promise.all(squatters.map((q) => q.close()));
    }
  });
});
