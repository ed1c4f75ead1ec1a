import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceLocks } from '../../../harness/runner/device-lock.js';
import { Run } from '../../../harness/runner/run.js';
import { exitCodeFor } from '../../../harness/runner/exit-code.js';
import { FakeExecutor } from './support/fake-executor.js';
import { fakeRig, suite } from './support/fixtures.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hil-locks-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rig = fakeRig([{ name: 'meter-1' }, { name: 'meter-2' }]);
const lockOf = (i: number): string => join(dir, `${rig.devices[i]!.eui64}.lock`);

test('locks are files named by EUI-64, released idempotently', () => {
  const locks = DeviceLocks.acquire(dir, 'fake-rig', rig.devices);
  expect(JSON.parse(readFileSync(lockOf(0), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), rig: 'fake-rig', device: 'meter-1' });
  locks.release();
  locks.release();
  expect(existsSync(lockOf(0))).toBe(false);
  expect(existsSync(lockOf(1))).toBe(false);
});

test('a live holder refuses the lock and nothing is left half-taken', () => {
  writeFileSync(lockOf(1), JSON.stringify({ pid: process.pid, host: hostname(), rig: 'other', device: 'meter-2', since: '2024-01-01T00:00:00.000Z' }));
  expect(() => DeviceLocks.acquire(dir, 'fake-rig', rig.devices)).toThrow(
    `device meter-2: in use by pid ${process.pid} on ${hostname()} (rig other, since 2024-01-01T00:00:00.000Z); lock ${lockOf(1)}`,
  );
  expect(existsSync(lockOf(0))).toBe(false);
});

test('a lock left by a dead process on this host is taken over', () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  writeFileSync(lockOf(0), JSON.stringify({ pid: dead, host: hostname(), rig: 'old', device: 'meter-1', since: 'x' }));
  const locks = DeviceLocks.acquire(dir, 'fake-rig', rig.devices);
  expect(JSON.parse(readFileSync(lockOf(0), 'utf8')).pid).toBe(process.pid);
  locks.release();
});

test('a busy device makes the run a harness error (exit 2)', async () => {
  writeFileSync(lockOf(0), JSON.stringify({ pid: process.pid, host: hostname(), rig: 'other', device: 'meter-1', since: 'x' }));
  const s = suite('s', 'tests: [ { name: t, steps: [ { get: 1 } ] } ]');
  const executor = new FakeExecutor();
  const summary = await new Run({ rig, suites: [s], executor, options: { lockDir: dir } }).start();
  expect(summary.status).toBe('error');
  expect(summary.message).toMatch(/^device meter-1: in use by pid /);
  expect(executor.calls).toEqual([]);
  expect(exitCodeFor(summary)).toBe(2);
});
