/**
 * A device lease lost mid-run: the test that was running ends in error (its verdict cannot be
 * trusted: another run may have used the device), the lease is taken again before the device's
 * next test, and when it cannot be (someone else holds it, or the store is gone) that device's
 * remaining tests end in error, not run, while the other devices go on. The run is not a pass.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceLeaseKey } from '../../../core/lease.js';
import { FileLeaseBackend, lockFileFor } from '../../../drivers/lease/file-backend.js';
import { BackedLeaseStore } from '../../../drivers/lease/lease-store.js';
import { openLeaseStore } from '../../../drivers/lease/open-lease-store.js';
import { exitCodeFor } from '../../../harness/runner/exit-code.js';
import { Run } from '../../../harness/runner/run.js';
import type { RunNote, TestResult } from '../../../harness/model/run-model.js';
import type { StepContext } from '../../../harness/runner/executor.js';
import { RedisServer } from '../../support/redis-server.js';
import { FakeExecutor } from './support/fake-executor.js';
import { fakeRig, suite } from './support/fixtures.js';
import { RecordingReporter } from './support/recording-reporter.js';

const rig = fakeRig([{ name: 'meter-1' }, { name: 'meter-2' }]);
const key1 = deviceLeaseKey(rig.devices[0]!.eui64);
const three = suite('leased', 'tests:', '  - { name: t1, steps: [ { get: 1 } ] }', '  - { name: t2, steps: [ { get: 1 } ] }', '  - { name: t3, steps: [ { get: 1 } ] }');
const iso = (ms: number): string => new Date(ms).toISOString();
const LOST_WHY = 'the lease is gone or held by someone else (released by force, or expired while renewal was impossible)';

/** Every test's final status and failure message, as "device test: status[: message]". */
function outcomes(reporter: RecordingReporter): string[] {
  return reporter.results.filter((r) => !r.result.willRetry).map(({ test, result }) => `${test.device.name} ${test.name}: ${result.status}${result.failure ? `: ${result.failure.message}` : ''}`).sort();
}

/** Runs `fn` during meter-1's test t1 only. */
function duringT1(executor: FakeExecutor, fn: (ctx: StepContext) => Promise<void>): FakeExecutor {
  return executor.when(
    'get: 1',
    async (_s, ctx) => {
      if (ctx.test.name === 't1') await fn(ctx);
      return { status: 'passed' };
    },
    'meter-1',
  );
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hil-lost-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('lost mid-test and taken by another run: that test is an error, the device’s other tests are not run naming the holder, the other device goes on; exit 1', async () => {
  // The store's clock, so the time of the loss is known exactly.
  const T = Date.now() + 1000;
  const store = new BackedLeaseStore(new FileLeaseBackend(dir), { now: () => T });
  const bob = { key: key1, label: 'device meter-1 (rig rack-9)', owner: { host: 'rack-9', pid: 4242, user: 'bob', command: 'hil run bob.yaml' }, token: 'bob', since: iso(T), expires: iso(T + 60_000), ttlMs: 60_000 };
  const executor = new FakeExecutor();
  duringT1(executor, async () => {
    // Someone frees meter-1 by force (hil locks release --force) and bob's run on rack-9 takes it.
    expect(await store.release(key1, { force: true })).toMatchObject({ released: true, forced: true });
    writeFileSync(lockFileFor(key1, dir), JSON.stringify(bob));
  });
  const reporter = new RecordingReporter();
  const notes: RunNote[] = [];
  const summary = await new Run({ rig, suites: [three], executor, options: { leases: store }, reporter: { ...hooks(reporter), onNote: (n) => notes.push(n) } }).start();

  expect(outcomes(reporter)).toEqual([
    `meter-1 t1: error: lease on meter-1 lost at ${iso(T)}: another run may have used the device; this result cannot be trusted`,
    `meter-1 t2: error: not run: the lease on meter-1 was lost at ${iso(T)} and cannot be taken again: device meter-1 (rig fake-rig): in use by bob@rack-9 pid 4242 since ${bob.since}, lease until ${bob.expires}: hil run bob.yaml (lock folder ${dir})`,
    `meter-1 t3: error: not run: the lease on meter-1 was lost at ${iso(T)} and cannot be taken again: device meter-1 (rig fake-rig): in use by bob@rack-9 pid 4242 since ${bob.since}, lease until ${bob.expires}: hil run bob.yaml (lock folder ${dir})`,
    'meter-2 t1: passed',
    'meter-2 t2: passed',
    'meter-2 t3: passed',
  ]);
  const t1 = reporter.results.find((r) => r.test.device.name === 'meter-1' && r.test.name === 't1')!.result as TestResult;
  expect(t1.failure).toMatchObject({ kind: 'error', likelyCause: `${LOST_WHY}; the test itself had passed` });
  // The steps it ran stay on record; meter-1's t2 and t3 never touched the device.
  expect(t1.steps.map((s) => s.status)).toEqual(['passed']);
  expect(executor.calls.filter((c) => c.device === 'meter-1').map((c) => c.test)).toEqual(['t1']);
  expect(notes.map((n) => [n.kind, n.device, n.message])).toEqual([['lease-lost', 'meter-1', `device meter-1 (rig fake-rig): lease lost: ${LOST_WHY}`]]);
  expect(summary.status).toBe('failed');
  expect(summary.rigFaultOnly).toBeUndefined();
  expect(exitCodeFor(summary)).toBe(1);
  // Bob's lease is untouched; meter-2's was released.
  expect(readdirSync(dir)).toEqual([lockFileFor(key1, dir).slice(dir.length + 1)]);
  await store.close();
});

test('lost mid-test but free again: that test is an error, the lease is taken again before the next test, which runs', async () => {
  const T = Date.now() + 1000;
  const store = new BackedLeaseStore(new FileLeaseBackend(dir), { now: () => T });
  const executor = new FakeExecutor();
  duringT1(executor, async () => {
    await store.release(key1, { force: true });
  });
  const reporter = new RecordingReporter();
  const notes: RunNote[] = [];
  const summary = await new Run({ rig, suites: [three], executor, options: { leases: store }, reporter: { ...hooks(reporter), onNote: (n) => notes.push(n) } }).start();
  expect(outcomes(reporter)).toEqual([
    `meter-1 t1: error: lease on meter-1 lost at ${iso(T)}: another run may have used the device; this result cannot be trusted`,
    'meter-1 t2: passed',
    'meter-1 t3: passed',
    'meter-2 t1: passed',
    'meter-2 t2: passed',
    'meter-2 t3: passed',
  ]);
  expect(notes.map((n) => [n.kind, n.device, n.message])).toEqual([
    ['lease-lost', 'meter-1', `device meter-1 (rig fake-rig): lease lost: ${LOST_WHY}`],
    ['lease-retaken', 'meter-1', `device meter-1 (rig fake-rig): lease taken again after it was lost at ${iso(T)}`],
  ]);
  expect(exitCodeFor(summary)).toBe(1);
  // The lease taken again was released at the end like the others.
  expect(readdirSync(dir)).toEqual([]);
  await store.close();
});

describe('with Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(() => redis.stop());

  test('Redis shut down mid-test: the lease lapses, that test is an error, the device’s other tests are not run (the store cannot be reached), the other device goes on', async () => {
    const store = await openLeaseStore({ url: redis.url, ttlMs: 1500, timeoutMs: 10_000, prefix: 'lost' });
    const reporter = new RecordingReporter();
    let onLostNote!: () => void;
    const lostNoted = new Promise<void>((r) => (onLostNote = r));
    const notes: RunNote[] = [];
    const executor = new FakeExecutor();
    let stoppedAt = 0;
    duringT1(executor, async () => {
      // meter-2 first runs its three tests, under its lease.
      await reporter.ended(3);
      await redis.stop();
      stoppedAt = Date.now();
      // Nobody can renew it now: it counts until its expiry, then it is lost.
      await lostNoted;
    });
    const summary = await new Run({
      rig,
      suites: [three],
      executor,
      options: { leases: store },
      reporter: {
        ...hooks(reporter),
        onNote: (n) => {
          notes.push(n);
          if (n.kind === 'lease-lost') onLostNote();
        },
      },
    }).start();
    const [t1, t2, t3, ...others] = outcomes(reporter);
    const at = /^meter-1 t1: error: lease on meter-1 lost at (\S+): another run may have used the device; this result cannot be trusted$/.exec(t1!)?.[1];
    expect(at).toBeDefined();
    expect(Date.parse(at!)).toBeGreaterThanOrEqual(stoppedAt);
    const down = `connect ECONNREFUSED 127.0.0.1:${redis.port}`;
    const notRun = `error: not run: the lease on meter-1 was lost at ${at} and cannot be taken again: ${redis.url}: taking the lease on ${key1}: not connected (${down})`;
    expect([t2, t3]).toEqual([`meter-1 t2: ${notRun}`, `meter-1 t3: ${notRun}`]);
    expect(others).toEqual(['meter-2 t1: passed', 'meter-2 t2: passed', 'meter-2 t3: passed']);
    expect(notes.filter((n) => n.kind === 'lease-lost' && n.device === 'meter-1').map((n) => n.message)).toEqual([
      `device meter-1 (rig fake-rig): lease lost: cannot renew: ${redis.url}: renewing the lease on ${key1}: not connected (${down})`,
    ]);
    expect(exitCodeFor(summary)).toBe(1);
    await store.close();
  }, 60_000);
});

function hooks(r: RecordingReporter) {
  return { onTestEnd: r.onTestEnd.bind(r), onEnd: r.onEnd.bind(r), onError: r.onError.bind(r) };
}
