/** Two runs given the same report file: the second is refused naming the holder, before it runs anything. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { lockOutputs, outputLockPath } from '../../harness/app/output-locks.js';
import { LOCK_FILE } from '../../harness/app/reports-lock.js';
import { ResourceError } from '../../core/errors.js';
import { ensureBuilt, hil, startHil, until } from '../harness/cli/support/cli.js';

jest.setTimeout(120_000);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hil-outlock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('report file locks', () => {
  test('a second taker is refused naming the file and the holder; all or none: a refused set keeps no lock', () => {
    const junit = join(dir, 'ci', 'junit.xml');
    const tap = join(dir, 'out.tap');
    const first = lockOutputs([junit], join(dir, 'reports'), 'hil run first');
    expect(readdirSync(join(dir, 'ci'))).toEqual(['.junit.xml.hil.lock']);
    const owner = JSON.parse(readFileSync(outputLockPath(junit), 'utf8')) as { pid: number; user: string; since: string };
    expect(owner.pid).toBe(process.pid);
    let refused: unknown;
    try {
      lockOutputs([tap, junit], join(dir, 'reports'), 'hil run second');
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(ResourceError);
    expect((refused as ResourceError).code).toBe('busy');
    expect((refused as Error).message).toBe(
      `${junit}: in use by pid ${process.pid} on ${hostname()} (${owner.user}: hil run first, since ${owner.since}); wait for it to end or name another file (lock ${outputLockPath(junit)})`,
    );
    expect(existsSync(outputLockPath(tap))).toBe(false);
    first.release();
    first.release();
    expect(readdirSync(join(dir, 'ci'))).toEqual([]);
    const again = lockOutputs([junit, junit], join(dir, 'reports'), 'hil run third');
    again.release();
  });

  test("files inside the run's own reports folder are left to the folder's lock: no lock file of their own", () => {
    const own = lockOutputs([join(dir, 'mine', 'junit.xml'), join(dir, 'mine', 'sub', 'out.tap')], join(dir, 'mine'), 'hil run mine');
    expect([own.unlocked, existsSync(join(dir, 'mine'))]).toEqual([[], false]);
    own.release();
  });
});

describe('two hil runs naming the same JUnit file', () => {
  beforeAll(() => ensureBuilt(), 180_000);

  test('the second exits 2 naming the first (pid, since) and writes nothing; the first runs on', async () => {
    const shared = join(dir, 'shared.xml');
    const a = startHil(['run', 'suites/1-registration.yaml', '--reports', join(dir, 'a'), '--reporter', `junit=${shared}`, '--no-html']);
    await until(() => existsSync(shared), 60_000, "the first run's JUnit");
    const owner = JSON.parse(readFileSync(outputLockPath(shared), 'utf8')) as { pid: number; user: string; command: string; since: string };
    expect(owner.pid).toBe(a.child.pid);
    const before = readFileSync(shared, 'utf8');
    const b = await hil(['run', 'suites/3-firmware-info.yaml', '--reports', join(dir, 'b'), '--reporter', `junit=${shared}`, '--no-html']);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe(
      `hil run: report file ${shared}: in use by pid ${owner.pid} on ${hostname()} (${owner.user}: ${owner.command}, since ${owner.since}); wait for it to end or name another file (lock ${outputLockPath(shared)})\n`,
    );
    expect(readdirSync(join(dir, 'b'))).toEqual([]);
    // Whatever the first run wrote since, the second added nothing: still its suite only.
    expect(before).not.toContain('firmware-info');
    expect(readFileSync(shared, 'utf8')).not.toContain('firmware-info');
    a.child.kill('SIGINT');
    const ra = await a.exited;
    expect(ra.code).toBe(130);
    expect(existsSync(outputLockPath(shared))).toBe(false);
  });

  test("a file inside another running run's reports folder: refused naming that run, its JUnit untouched", async () => {
    const a = startHil(['run', 'suites/1-registration.yaml', '--reports', join(dir, 'a'), '--no-html']);
    const theirs = join(dir, 'a', 'junit.xml');
    await until(() => existsSync(theirs), 60_000, "the first run's JUnit");
    const owner = JSON.parse(readFileSync(join(dir, 'a', LOCK_FILE), 'utf8')) as { pid: number; user: string; command: string; since: string };
    const b = await hil(['run', 'suites/3-firmware-info.yaml', '--reports', join(dir, 'b'), '--reporter', `junit=${theirs}`, '--no-html']);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe(
      `hil run: report file ${theirs}: inside the reports folder ${join(dir, 'a')} of another run: pid ${owner.pid} on ${hostname()} (${owner.user}: ${owner.command}, since ${owner.since}); wait for it to end or name another file (lock ${join(dir, 'a', LOCK_FILE)})\n`,
    );
    expect(readFileSync(theirs, 'utf8')).not.toContain('firmware-info');
    a.child.kill('SIGINT');
    expect((await a.exited).code).toBe(130);
  });
});

describe('hil merge naming a report file a run holds', () => {
  beforeAll(() => ensureBuilt(), 180_000);

  test('exits 2 naming the holder before any log is read; the run keeps its file', async () => {
    const shared = join(dir, 'shared.xml');
    const a = startHil(['run', 'suites/1-registration.yaml', '--reports', join(dir, 'a'), '--reporter', `junit=${shared}`, '--no-html']);
    await until(() => existsSync(shared), 60_000, "the run's JUnit");
    const owner = JSON.parse(readFileSync(outputLockPath(shared), 'utf8')) as { pid: number; user: string; command: string; since: string };
    // The log does not exist: a merge that got past the lock would say so instead.
    const m = await hil(['merge', join(dir, 'shard-1.jsonl'), '--reports', join(dir, 'm'), '--reporter', `junit=${shared}`, '--no-html']);
    expect(m.code).toBe(2);
    expect(m.stderr).toBe(
      `hil merge: report file ${shared}: in use by pid ${owner.pid} on ${hostname()} (${owner.user}: ${owner.command}, since ${owner.since}); wait for it to end or name another file (lock ${outputLockPath(shared)})\n`,
    );
    expect(JSON.parse(readFileSync(outputLockPath(shared), 'utf8'))).toEqual(owner);
    a.child.kill('SIGINT');
    expect((await a.exited).code).toBe(130);
    expect(existsSync(outputLockPath(shared))).toBe(false);
  });
});
