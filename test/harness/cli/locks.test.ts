/**
 * `hil locks` against a real Redis named by a rig file: a lease this test holds is listed with its
 * holder and the rig's name for it; releasing it is refused while the holder lives, forced with
 * --force (and the holder notices); lock files of the default store are listed the same way.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { LeaseRecord } from '../../../core/lease.js';
import { openLeaseStore } from '../../../drivers/lease/open-lease-store.js';
import { renderLocks } from '../../../harness/app/locks.js';
import { RedisServer } from '../../support/redis-server.js';
import { SilentServer } from '../../support/silent-server.js';
import { ensureBuilt, hil, ROOT } from './support/cli.js';

beforeAll(() => ensureBuilt(), 180_000);

const rigYaml = (locks: string) =>
  [
    'name: rack-7',
    `locks: ${locks}`,
    'nms: { addresses: [ { name: fnd, address: "fd00::1" } ], signing: { key: k.pem, cert: c.pem } }',
    'links: [ { name: dongle, kind: slip, path: /dev/ttyUSB0 } ]',
    'devices:',
    '  - { name: meter-1, eui64: 00173b0000000001, address: "fd00::11", link: dongle, expected: { firmwareVersion: "1", hwId: A, firmwareGroup: 1 }, capabilities: [] }',
    '  - { name: meter-2, eui64: 00173b0000000002, address: "fd00::12", link: dongle, expected: { firmwareVersion: "1", hwId: A, firmwareGroup: 1 }, capabilities: [] }',
    '',
  ].join('\n');

describe('hil locks', () => {
  let redis: RedisServer;
  let dir: string;
  beforeAll(async () => {
    redis = await RedisServer.start();
    dir = mkdtempSync(join(tmpdir(), 'hil-locks-cli-'));
  });
  afterAll(async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('lists a Redis lease with its holder, refuses to free it, frees it with --force', async () => {
    const rig = join(dir, 'rack-7.yaml');
    writeFileSync(rig, rigYaml(redis.url));
    const store = await openLeaseStore({ url: redis.url, ttlMs: 5000 });
    const held = await store.acquire([{ key: 'device:00173b0000000001', label: 'device meter-1 (rig rack-7)' }]);
    const lost = new Promise<string>((res) => held.onLost((r: LeaseRecord) => res(r.key)));
    try {
      const listed = await hil(['locks', '--rig', rig, '--json']);
      expect(listed.stderr).toBe('');
      expect(listed.code).toBe(0);
      const r = held.records[0]!;
      expect(JSON.parse(listed.stdout)).toEqual([
        { key: r.key, label: r.label, name: 'meter-1', live: true, owner: r.owner, since: r.since, expires: expect.any(String), ttlMs: 5000 },
      ]);

      const text = await hil(['locks', '--rig', rig]);
      const lines = text.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe(`leases in ${redis.url}`);
      expect(lines[1]).toMatch(/^RESOURCE\s+HOLDER\s+SINCE\s+LEASE ENDS\s+STATE$/);
      expect(lines[2]).toMatch(new RegExp(`^meter-1 \\(device:00173b0000000001\\)  ${userInfo().username}@${hostname()} pid ${process.pid}\\s+${r.since}  in \\d(\\.\\d)?s\\s+held$`));

      const refused = await hil(['locks', 'release', 'meter-1', '--rig', rig]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(
        `hil locks: device:00173b0000000001: not released: its holder is alive (use --force to free it anyway) (${userInfo().username}@${hostname()} pid ${process.pid})\n`,
      );
      const forced = await hil(['locks', 'release', 'meter-1', '--rig', rig, '--force']);
      expect(forced.code).toBe(0);
      expect(forced.stdout).toBe(
        `released device meter-1 (rig rack-7) (device:00173b0000000001), held by ${userInfo().username}@${hostname()} pid ${process.pid} (forced: its holder was alive)\n`,
      );
      expect(await lost).toBe('device:00173b0000000001');
      expect(await store.list()).toEqual([]);
    } finally {
      await held.release();
      await store.close();
    }
  }, 60_000);

  test('a holder on this host killed with SIGKILL is shown dead at once and freed without --force', async () => {
    const rig = join(dir, 'rack-7-dead.yaml');
    writeFileSync(rig, rigYaml(redis.url));
    // A run of its own: takes meter-1's lease (default 30 s TTL), says so, and is killed.
    const script = [
      `import { openLeaseStore } from ${JSON.stringify(join(ROOT, 'dist', 'drivers', 'lease', 'open-lease-store.js'))};`,
      `const store = await openLeaseStore({ url: ${JSON.stringify(redis.url)} });`,
      "await store.acquire([{ key: 'device:00173b0000000001', label: 'device meter-1 (rig rack-7)' }]);",
      "console.log('held');",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const holder = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | null>((res) => holder.once('exit', (_code, signal) => res(signal)));
    await new Promise<void>((res, rej) => {
      holder.stdout.on('data', (b: Buffer) => b.toString().includes('held') && res());
      void exited.then(() => rej(new Error('the holder exited before taking its lease')));
    });
    holder.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const who = `${userInfo().username}@${hostname()} pid ${holder.pid}`;

    const listed = await hil(['locks', '--rig', rig]);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[2]).toMatch(new RegExp(`^meter-1 \\(device:00173b0000000001\\)  ${who}\\s+\\S+  in \\d+(\\.\\d)?s\\s+free to take: its process \\(pid ${holder.pid}\\) is gone$`));

    const freed = await hil(['locks', 'release', 'meter-1', '--rig', rig]);
    expect(freed).toMatchObject({ code: 0, stderr: '', stdout: `released device meter-1 (rig rack-7) (device:00173b0000000001), held by ${who}\n` });
    expect((await hil(['locks', '--rig', rig])).stdout).toBe(`no leases in ${redis.url}\n`);
  }, 60_000);

  test('a lease store that accepts the connection and never answers exits 2 naming it and what timed out', async () => {
    const silent = await SilentServer.start();
    try {
      const rig = join(dir, 'rack-9.yaml');
      writeFileSync(rig, rigYaml(`{ url: "${silent.url}", ttl: 3s }`));
      for (const args of [['locks', '--rig', rig], ['locks', 'release', 'meter-1', '--rig', rig]]) {
        expect(await hil(args)).toMatchObject({
          code: 2,
          stdout: '',
          stderr: `hil locks: ${silent.url}: cannot connect: not ready within 1000 ms (the server accepted the connection but never answered)\n`,
        });
      }
    } finally {
      await silent.stop();
    }
  }, 60_000);

  test('usage and unknown names exit 2; an unreachable lease store exits 2 naming it', async () => {
    const rig = join(dir, 'rack-8.yaml');
    writeFileSync(rig, rigYaml('redis://127.0.0.1:1'));
    expect(await hil(['locks', 'release', '--rig', rig])).toMatchObject({ code: 2, stderr: 'hil locks: name the devices to free, or --all (not both)\n' });
    const down = await hil(['locks', '--rig', rig]);
    expect(down).toMatchObject({ code: 2, stderr: 'hil locks: redis://127.0.0.1:1: cannot connect: connect ECONNREFUSED 127.0.0.1:1\n' });
    writeFileSync(rig, rigYaml(`file:${join(dir, 'lock-files')}`));
    expect(await hil(['locks', 'release', 'meter-9', '--rig', rig])).toMatchObject({
      code: 2,
      stderr: 'hil locks: meter-9: not a device or link of rig rack-7, nor a lease key (device:… or port:…)\n',
    });
    expect(renderLocks([], `lock folder ${join(dir, 'lock-files')}`)).toBe(`no leases in lock folder ${join(dir, 'lock-files')}`);
  }, 60_000);
});
