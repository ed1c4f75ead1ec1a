import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResourceError } from '../../../core/errors.js';
import { expectResourceRejection } from '../../support/errors.js';
import { createByteStream } from '../../../drivers/serial/byte-stream.js';
import { portLockFile } from '../../../drivers/serial/port-lock.js';
import { PtyPair } from '../../../rigs/virtual/pty/pty-pair.js';

/** The port is held: a ResourceError 'busy'. */
function refusal(p: Promise<unknown>): Promise<ResourceError> {
  return expectResourceRejection(p, { code: 'busy' });
}

describe('exclusive use of a port', () => {
  let dir: string;
  let lockDir: string;
  let pty: PtyPair;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hil-lock-'));
    lockDir = join(dir, 'locks');
    mkdirSync(lockDir);
    pty = await PtyPair.open({ link: join(dir, 'dongle') });
  });
  afterEach(async () => {
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a second open of the same port, by the same name or the tty behind it, is refused naming the holder', async () => {
    const first = createByteStream({ path: pty.path, baudRate: 115200, lockDir });
    await first.open();
    try {
      const again = await refusal(createByteStream({ path: pty.path, baudRate: 115200, lockDir }).open());
      expect(again.resource).toBe(pty.path);
      expect(again.message).toContain(`in use by this process (pid ${process.pid}) since `);
      const viaTty = await refusal(createByteStream({ path: pty.ttyPath, baudRate: 115200, lockDir }).open());
      expect(viaTty.message).toContain(`pid ${process.pid}`);
    } finally {
      await first.close();
    }
    // Released on close: the next run gets it.
    const next = createByteStream({ path: pty.ttyPath, baudRate: 115200, lockDir });
    await next.open();
    await next.close();
  });

  test('a lock held by another live process is refused naming its user, host, pid, CI job and command line', async () => {
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'holder-marker'], { stdio: 'ignore' });
    await once(holder, 'spawn');
    try {
      writeFileSync(
        portLockFile(pty.path, lockDir),
        JSON.stringify({
          key: `port:${pty.path}`,
          label: pty.path,
          owner: { host: hostname(), pid: holder.pid, user: 'nightly', command: 'hil run nightly.yaml', ciJobUrl: 'https://ci.example/job/7' },
          token: 'planted',
          since: '2026-01-01T00:00:00.000Z',
          expires: '2026-01-01T00:00:30.000Z',
          ttlMs: 30000,
        }),
      );
      const e = await refusal(createByteStream({ path: pty.path, baudRate: 115200, lockDir }).open());
      // Expired, but its process lives on this host: a lease on one host counts while its holder lives.
      expect(e.message).toBe(
        `${pty.path}: in use by nightly@${hostname()} pid ${holder.pid} (https://ci.example/job/7) since 2026-01-01T00:00:00.000Z, lease until 2026-01-01T00:00:30.000Z: hil run nightly.yaml (lock folder ${lockDir})`,
      );
    } finally {
      holder.kill();
    }
  });

  test('a lock file of an earlier csmp-hil (pid and command, no expiry) still holds while its process lives', async () => {
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await once(holder, 'spawn');
    try {
      writeFileSync(portLockFile(pty.path, lockDir), JSON.stringify({ pid: holder.pid, command: 'hil run old.yaml', key: pty.path, since: '2026-01-01T00:00:00.000Z' }));
      const e = await refusal(createByteStream({ path: pty.path, baudRate: 115200, lockDir }).open());
      expect(e.message).toContain(`pid ${holder.pid} since 2026-01-01T00:00:00.000Z, lease until never: hil run old.yaml`);
    } finally {
      holder.kill();
    }
  });

  test('a stale lock of a dead process is taken over', async () => {
    const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await once(gone, 'exit');
    const file = portLockFile(pty.path, lockDir);
    writeFileSync(file, JSON.stringify({ pid: gone.pid, command: 'killed run', key: pty.path, since: '2026-01-01T00:00:00.000Z' }));
    const taker = createByteStream({ path: pty.path, baudRate: 115200, lockDir });
    const takeovers: { reason: string }[] = [];
    taker.on('takeover', (t: { reason: string }) => takeovers.push(t));
    await taker.open();
    try {
      expect(JSON.parse(readFileSync(file, 'utf8')).owner.pid).toBe(process.pid);
      expect(takeovers.map((t) => t.reason)).toEqual([`its process (pid ${gone.pid}) is gone`]);
    } finally {
      await taker.close();
    }
  });
});
