import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResourceError } from '../../../core/errors.js';
import { expectResourceRejection } from '../../support/errors.js';
import { createByteStream } from '../../../drivers/serial/byte-stream.js';
import { lockFileFor } from '../../../drivers/serial/port-lock.js';
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
      expect(again.message).toContain(`in use by this process (pid ${process.pid})`);
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

  test('a lock held by another live process is refused with its pid and command line', async () => {
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'holder-marker'], { stdio: 'ignore' });
    await once(holder, 'spawn');
    try {
      writeFileSync(
        lockFileFor(pty.path, lockDir),
        JSON.stringify({ pid: holder.pid, command: 'hil run nightly.yaml', key: pty.path, since: '2026-01-01T00:00:00.000Z' }),
      );
      const e = await refusal(createByteStream({ path: pty.path, baudRate: 115200, lockDir }).open());
      expect(e.message).toBe(
        `${pty.path}: in use by pid ${holder.pid} since 2026-01-01T00:00:00.000Z: hil run nightly.yaml (lock file ${lockFileFor(pty.path, lockDir)})`,
      );
    } finally {
      holder.kill();
    }
  });

  test('a stale lock of a dead process is taken over', async () => {
    const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await once(gone, 'exit');
    const file = lockFileFor(pty.path, lockDir);
    writeFileSync(file, JSON.stringify({ pid: gone.pid, command: 'killed run', key: pty.path, since: '2026-01-01T00:00:00.000Z' }));
    const taker = createByteStream({ path: pty.path, baudRate: 115200, lockDir });
    await taker.open();
    try {
      expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    } finally {
      await taker.close();
    }
  });
});
