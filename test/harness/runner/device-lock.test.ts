import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceLeaseKey, type LeaseStore } from '../../../core/lease.js';
import { lockFileFor } from '../../../drivers/lease/file-backend.js';
import { localLeaseStore } from '../../../drivers/lease/open-lease-store.js';
import { DeviceLocks } from '../../../harness/runner/device-lock.js';
import { Run } from '../../../harness/runner/run.js';
import { exitCodeFor } from '../../../harness/runner/exit-code.js';
import type { RunNote } from '../../../harness/model/run-model.js';
import { FakeExecutor } from './support/fake-executor.js';
import { fakeRig, suite } from './support/fixtures.js';

let dir: string;
let store: LeaseStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hil-locks-'));
  store = localLeaseStore(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const rig = fakeRig([{ name: 'meter-1' }, { name: 'meter-2' }]);
const lockOf = (i: number): string => lockFileFor(deviceLeaseKey(rig.devices[i]!.eui64), dir);
const plant = (i: number, owner: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  writeFileSync(
    lockOf(i),
    JSON.stringify({
      key: deviceLeaseKey(rig.devices[i]!.eui64),
      label: `device ${rig.devices[i]!.name} (rig other)`,
      owner: { host: hostname(), user: 'bob', command: 'hil run other.yaml', ...owner },
      token: 'planted',
      since: '2024-01-01T00:00:00.000Z',
      expires: '2024-01-01T00:00:30.000Z',
      ttlMs: 30000,
      ...extra,
    }),
  );

test('leases are lock files per EUI-64 naming device, rig and owner, released idempotently', async () => {
  const locks = await DeviceLocks.acquire(store, 'fake-rig', rig.devices);
  expect(JSON.parse(readFileSync(lockOf(0), 'utf8'))).toMatchObject({
    key: `device:${rig.devices[0]!.eui64}`,
    label: 'device meter-1 (rig fake-rig)',
    owner: { pid: process.pid, host: hostname() },
    ttlMs: 30000,
  });
  await locks.release();
  await locks.release();
  expect(existsSync(lockOf(0))).toBe(false);
  expect(existsSync(lockOf(1))).toBe(false);
});

test('a live holder refuses the lease and nothing is left half-taken', async () => {
  const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await new Promise((res) => live.once('spawn', res));
    plant(1, { pid: live.pid });
    await expect(DeviceLocks.acquire(store, 'fake-rig', rig.devices)).rejects.toThrow(
      `device meter-2 (rig fake-rig): in use by bob@${hostname()} pid ${live.pid} since 2024-01-01T00:00:00.000Z, lease until 2024-01-01T00:00:30.000Z: hil run other.yaml (lock folder ${dir})`,
    );
    expect(existsSync(lockOf(0))).toBe(false);
  } finally {
    // Waited for, so the next test file in this worker does not start beside a child still exiting.
    const exited = new Promise((res) => live.once('exit', res));
    live.kill();
    await exited;
  }
});

test('a lease left by a dead process on this host is taken over with a note saying whose', async () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  plant(0, { pid: dead });
  const notes: RunNote[] = [];
  const s = suite('s', 'tests: [ { name: t, steps: [ { get: 1 } ] } ]');
  const summary = await new Run({ rig, suites: [s], executor: new FakeExecutor(), options: { leases: store }, reporter: { onNote: (n) => notes.push(n) } }).start();
  expect(summary.status).toBe('passed');
  expect(notes).toEqual([
    {
      kind: 'lease-takeover',
      device: 'meter-1',
      at: expect.any(Number),
      message: `device meter-1 (rig fake-rig): took over the lease of bob@${hostname()} pid ${dead} (held since 2024-01-01T00:00:00.000Z): its process (pid ${dead}) is gone`,
    },
  ]);
  expect(existsSync(lockOf(0))).toBe(false);
});

test('a lease from another host counts until it expires', async () => {
  plant(0, { host: 'rack-9', pid: 1 }, { expires: new Date(Date.now() + 60_000).toISOString() });
  await expect(DeviceLocks.acquire(store, 'fake-rig', rig.devices)).rejects.toThrow(/^device meter-1 \(rig fake-rig\): in use by bob@rack-9 pid 1 since /);
  plant(0, { host: 'rack-9', pid: 1 }, { expires: '2024-01-01T00:00:30.000Z' });
  const locks = await DeviceLocks.acquire(store, 'fake-rig', rig.devices);
  expect(locks.takeovers.map((t) => t.reason)).toEqual(['its lease expired at 2024-01-01T00:00:30.000Z']);
  await locks.release();
});

test('a device lock file of an earlier csmp-hil (<eui64>.lock content) is still honoured by pid', async () => {
  const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await new Promise((res) => live.once('spawn', res));
    writeFileSync(lockOf(0), JSON.stringify({ pid: live.pid, host: hostname(), rig: 'old', device: 'meter-1', since: 'x' }));
    await expect(DeviceLocks.acquire(store, 'fake-rig', rig.devices)).rejects.toThrow(`in use by ?@${hostname()} pid ${live.pid} since x, lease until never: rig old`);
  } finally {
    // Waited for, so the next test file in this worker does not start beside a child still exiting.
    const exited = new Promise((res) => live.once('exit', res));
    live.kill();
    await exited;
  }
});

test('a busy device makes the run a harness error (exit 2)', async () => {
  const other = localLeaseStore(dir);
  const held = await DeviceLocks.acquire(other, 'other', [rig.devices[0]!]);
  try {
    const s = suite('s', 'tests: [ { name: t, steps: [ { get: 1 } ] } ]');
    const executor = new FakeExecutor();
    const summary = await new Run({ rig, suites: [s], executor, options: { leases: store } }).start();
    expect(summary.status).toBe('error');
    expect(summary.message).toMatch(/^device meter-1 \(rig fake-rig\): in use by this process \(pid \d+\) since /);
    expect(executor.calls).toEqual([]);
    expect(exitCodeFor(summary)).toBe(2);
  } finally {
    await held.release();
  }
});
