/** Issue 14 item 1: the reports folder is taken with its owner before anything is touched. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, lockFolder } from '../../harness/app/reports-lock.js';
import { clearEarlierRun } from '../../harness/app/reports-folder.js';
import { ResourceError } from '../../core/errors.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hil-lock-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('reports folder lock', () => {
  test('a second taker is refused naming the holder, and the folder holds nothing but the lock', () => {
    const first = lockFolder(dir, 'hil run first');
    const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid: number; host: string; command: string };
    expect([owner.pid, owner.host, owner.command]).toEqual([process.pid, hostname(), 'hil run first']);
    let refused: unknown;
    try {
      lockFolder(dir, 'hil run second');
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(ResourceError);
    expect((refused as ResourceError).code).toBe('busy');
    expect((refused as Error).message).toContain(`pid ${process.pid}`);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    first.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  test("a dead holder's lock is taken over, and who held it is said", async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((resolve) => child.on('exit', resolve));
    const stale = { pid, host: hostname(), user: 'x', command: 'hil run old', since: '2026-01-01T00:00:00.000Z' };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(stale));
    const lock = lockFolder(dir, 'hil run new');
    expect(lock.tookOverFrom).toEqual(stale);
    lock.release();
  });

  test('a lock from another host is never assumed dead', () => {
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'other-host.example', user: 'x', command: 'hil run', since: '2026-01-01T00:00:00.000Z' }));
    expect(() => lockFolder(dir, 'hil run')).toThrow(ResourceError);
  });
});

describe('what an earlier run left (item 6)', () => {
  test('attachments, reports and temporary files of atomic writes are removed and named; other files stay', () => {
    for (const f of ['attachments/s/meter-1/a-1.pcap', 'attachments/s/meter-1/b-2.pcap', 'junit.xml', '.junit.xml.123.4.tmp', 'notes.txt', 'custom/events.jsonl']) {
      const p = join(dir, f);
      rmSync(p, { force: true });
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, 'x');
    }
    const cleared = clearEarlierRun(dir, [join(dir, 'custom/events.jsonl')]);
    expect(cleared.removed).toEqual(['.junit.xml.123.4.tmp', 'attachments/ (2 files)', 'custom/events.jsonl', 'junit.xml']);
    expect(readdirSync(dir).sort()).toEqual(['custom', 'notes.txt']);
  });
});
