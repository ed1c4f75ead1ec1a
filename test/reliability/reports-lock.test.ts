/** Issue 14 item 1: the reports folder is taken with its owner before anything is touched. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, lockFolder } from '../../harness/app/reports-lock.js';
import { clearEarlierRun, setAsideEarlierRun } from '../../harness/app/reports-folder.js';
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

describe('the earlier run set aside while a run starts', () => {
  const write = (rel: string, text: string): void => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  const files = (): string[] =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => `${join(e.parentPath, e.name).slice(dir.length + 1)}=${readFileSync(join(e.parentPath, e.name), 'utf8')}`)
      .sort();

  beforeEach(() => {
    for (const [f, t] of [['attachments/s/meter-1/a-1.pcap', 'old pcap'], ['junit.xml', 'old junit'], ['.junit.xml.123.4.tmp', 'torn'], ['notes.txt', 'mine'], ['custom/events.jsonl', 'old events']]) write(f!, t!);
  });

  test('out of the way at once; a start that fails removes what it made and puts every earlier file back', () => {
    const before = files();
    const set = setAsideEarlierRun(dir, [join(dir, 'custom/events.jsonl')]);
    expect(set.found).toEqual(['.junit.xml.123.4.tmp', 'attachments/ (1 file)', 'custom/events.jsonl', 'junit.xml']);
    // Only the hidden set-aside folder holds them; the rest of the folder is untouched.
    expect(readdirSync(dir).filter((n) => !n.startsWith('.hil-earlier-')).sort()).toEqual(['custom', 'notes.txt']);
    expect(files().filter((f) => !f.startsWith('.hil-earlier-'))).toEqual(['notes.txt=mine']);
    // What the failed start made under the run's names (the virtual rig's folder, a first report).
    write('rig/dongle0.flash', 'new');
    write('junit.xml', 'new junit');
    expect(set.restore()).toEqual([]);
    expect(files()).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['.junit.xml.123.4.tmp', 'attachments', 'custom', 'junit.xml', 'notes.txt']);
    // Settled: a second call changes nothing.
    expect(set.discard()).toEqual({ removed: [] });
    expect(files()).toEqual(before);
  });

  test('a run that starts removes them for good and says which', () => {
    const set = setAsideEarlierRun(dir);
    write('junit.xml', 'new junit');
    expect(set.discard()).toEqual({ removed: ['.junit.xml.123.4.tmp', 'attachments/ (1 file)', 'junit.xml'] });
    expect(files()).toEqual(['custom/events.jsonl=old events', 'junit.xml=new junit', 'notes.txt=mine']);
    expect(set.restore()).toEqual([]);
    expect(files()).toEqual(['custom/events.jsonl=old events', 'junit.xml=new junit', 'notes.txt=mine']);
  });

  test("what a start-up killed before it settled left set aside goes with the rest, and comes back with it", () => {
    setAsideEarlierRun(dir); // and killed before it discarded or restored
    const left = readdirSync(dir).find((n) => n.startsWith('.hil-earlier-'))!;
    const before = files();
    const next = setAsideEarlierRun(dir);
    expect(next.found).toEqual([`${left}/ (3 files)`]);
    expect(next.restore()).toEqual([]);
    expect(files()).toEqual(before);
    expect(setAsideEarlierRun(dir).discard()).toEqual({ removed: [`${left}/ (3 files)`] });
    expect(files()).toEqual(['custom/events.jsonl=old events', 'notes.txt=mine']);
  });
});
