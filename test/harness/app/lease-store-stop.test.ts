/**
 * `hil run` with a lease store that does not answer: a signal while it connects ends the run at
 * once (its tests listed as not run, exit 128+n), instead of waiting on a server that accepted the
 * connection and never says a word (a real TCP listener that never writes).
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { casesOf, runInProcess, SUITES } from '../../suites/support/run.js';
import { tempDir, writeRig } from '../../suites/support/rigs.js';
import { SilentServer } from '../../support/silent-server.js';

const tmp = tempDir('hil-lss-');
afterAll(() => tmp.cleanup());

test('a signal while connecting to a silent lease store stops the run at once: no device leased, every test not run, exit 143', async () => {
  const silent = await SilentServer.start();
  try {
    // A 30 s lease: the connection would be given up only after 5 s.
    const rig = writeRig(tmp.dir, 'silent-locks', [{}], (r) => {
      r.locks = { url: silent.url, ttl: '30s', prefix: 'stop' };
    });
    const signals = new EventEmitter();
    const started = Date.now();
    const running = runInProcess({ rigFile: rig, suitePaths: [join(SUITES, '1-registration.yaml')], reportsDir: join(tmp.dir, 'reports'), html: false, signals, run: { grep: 'unsigned' } });
    await silent.connected(1);
    signals.emit('SIGTERM', 'SIGTERM');
    const r = await running;
    expect(r.exitCode).toBe(143);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('hil run: '))).toEqual(["hil run: stopped while connecting to the rig's lease store (received SIGTERM): no device was leased"]);
    const cases = casesOf(r.junit);
    // The run's own testcase says it did not complete.
    expect(cases.map((c) => `${c.suite} › ${c.name}: ${c.status}`)).toEqual(['registration › refuses an unsigned POST: skipped', 'csmp-hil › run completed and recorded: error']);
    expect(r.junit).toContain('not run: received SIGTERM before the first test');
    // Before the store's own 5 s bound: the signal, not a timeout, ended the wait.
    expect(Date.now() - started).toBeLessThan(5000);
  } finally {
    await silent.stop();
  }
}, 30_000);
