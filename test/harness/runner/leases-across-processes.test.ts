/**
 * Two runs in two processes sharing one rig through a real Redis: the second is refused naming the
 * first; once the first is SIGKILLed (on this host) its lease is shown dead at once, by its pid, and
 * the next run takes the device over without waiting for the lease to lapse, saying whose lease it
 * took. (A holder on another host counts until its lease expires: redis-leases.test.ts.)
 */
import { spawn } from 'node:child_process';
import { hostname, userInfo } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../suites/support/rigs.js';
import type { LeaseState } from '../../../core/lease.js';
import { openLeaseStore } from '../../../drivers/lease/open-lease-store.js';
import { RedisServer } from '../../support/redis-server.js';

// Long beside a loaded machine's process start-up: the takeover must be for the dead pid, never
// because the lease lapsed while the next run was starting (a 3 s TTL gave that under load).
const TTL = 30_000;
const tmp = tempDir('hil-leases-');
afterAll(() => tmp.cleanup());
const script = fileURLToPath(new URL('./support/leased-run.ts', import.meta.url));
const register = fileURLToPath(new URL('../report/support/register-ts.mjs', import.meta.url));

function startRun(url: string, mode: 'hold' | 'quick', reports?: string) {
  const child = spawn(process.execPath, ['--import', register, script, url, mode, String(TTL), ...(reports ? [reports] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((res) =>
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr })),
  );
  const printed = (text: string) =>
    new Promise<void>((res, rej) => {
      const check = () => {
        if (stdout.includes(text)) res();
      };
      child.stdout.on('data', check);
      check();
      void exited.then((r) => rej(new Error(`run exited (${r.code}) before printing '${text}': ${r.stdout}${r.stderr}`)));
    });
  return { child, exited, printed };
}

describe('device leases across processes (real Redis)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(() => redis.stop());

  test('the second run is refused naming the holder; after the holder is killed its lease expires and the next run takes over with a note', async () => {
    const holder = startRun(redis.url, 'hold');
    await holder.printed('started leased @ meter-1 › t1');
    const who = `${userInfo().username}@${hostname()} pid ${holder.child.pid}`;

    const refused = await startRun(redis.url, 'quick').exited;
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`^error device meter-1 \\(rig fake-rig\\): in use by ${who.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} since \\S+, lease until \\S+: .*leased-run\\.ts ${redis.url} hold ${TTL} \\(${redis.url}\\)\\n$`));

    const store = await openLeaseStore({ url: redis.url, prefix: 'cross-process' });
    try {
      const [before] = await store.list();
      expect(before).toMatchObject({ live: true, record: { owner: { pid: holder.child.pid } } });

      holder.child.kill('SIGKILL');
      expect((await holder.exited).signal).toBe('SIGKILL');

      // Its pid is gone on this host: dead at once, the lease still in Redis.
      const gone = `its process (pid ${holder.child.pid}) is gone`;
      const after: LeaseState[] = await store.list();
      expect(after).toEqual([{ record: { ...before!.record, expires: expect.any(String) }, live: false, why: gone }]);

      const reports = join(tmp.dir, 'next');
      const next = await startRun(redis.url, 'quick', reports).exited;
      expect(next.stderr).toBe('');
      expect(next.code).toBe(0);
      expect(next.stdout).toContain(`note device meter-1 (rig fake-rig): took over the lease of ${who} (held since ${before!.record.since}): ${gone}\n`);
      // The takeover is in the run's reports: the HTML report's notes and the event log.
      const takeover = `lease-takeover: device meter-1 (rig fake-rig): took over the lease of ${who} (held since ${before!.record.since}): ${gone}`;
      const page = readFileSync(join(reports, 'report.html'), 'utf8');
      const notes = (JSON.parse(/<script type="application\/json" id="run-data">([^<]*)<\/script>/.exec(page)![1]!) as { notes: string[] }).notes;
      expect(notes.map((n) => n.replace(/^\S+ /, ''))).toEqual([expect.stringContaining(takeover)]);
      const logged = readFileSync(join(reports, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; note?: { kind: string } });
      expect(logged.filter((e) => e.type === 'note').map((e) => e.note!.kind)).toEqual(['lease-takeover']);
      // Released at the end of the run: nothing left, not even the takeover record.
      expect(await store.list()).toEqual([]);
    } finally {
      holder.child.kill('SIGKILL');
      await store.close();
    }
  }, 60_000);
});
