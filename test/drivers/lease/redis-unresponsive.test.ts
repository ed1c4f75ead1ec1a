/**
 * A Redis that does not answer: one that accepts the connection and never says a word (a real TCP
 * listener that never writes), and a real redis-server frozen with SIGSTOP. Every wait is bounded by
 * the store's timeout and ends in a ResourceError naming the server and what timed out; a stop
 * (an AbortSignal) ends a release at once, saying which leases were left to lapse.
 */
import { EventEmitter } from 'node:events';
import { ResourceError } from '../../../core/errors.js';
import type { LeaseStore } from '../../../core/lease.js';
import { openLeaseStore, redisTimeoutFor } from '../../../drivers/lease/open-lease-store.js';
import { RedisLeaseBackend } from '../../../drivers/lease/redis-backend.js';
import { closeLeaseStore } from '../../../harness/app/lease-store.js';
import { ProcessStop } from '../../../harness/app/process-stop.js';
import { RedisServer } from '../../support/redis-server.js';
import { SilentServer } from '../../support/silent-server.js';

const req = { key: 'device:00173b0000000001', label: 'device meter-1 (rig lab)' };

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => 'resolved',
    (e: unknown) => e,
  );
}

describe('a server that accepts the connection and never answers', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await SilentServer.start();
  });
  afterAll(() => silent.stop());

  test('connecting is a timeout ResourceError naming the server; the connection is closed', async () => {
    const e = await rejection(RedisLeaseBackend.connect(silent.url, { timeoutMs: 300 }));
    expect(e).toEqual(new ResourceError(silent.url, 'timeout', 'cannot connect: not ready within 300 ms (the server accepted the connection but never answered)'));
    expect((e as ResourceError).code).toBe('timeout');
    expect(silent.accepted).toBe(1);
    await silent.drained();
    expect(silent.open).toBe(0);
  });

  test("a rig's store waits a third of the lease's TTL, between 1 and 5 s", async () => {
    expect([redisTimeoutFor(3000), redisTimeoutFor(900), redisTimeoutFor(12_000), redisTimeoutFor(30_000)]).toEqual([1000, 1000, 4000, 5000]);
    const e = await rejection(openLeaseStore({ url: silent.url, ttlMs: 3000 }));
    expect(e).toEqual(new ResourceError(silent.url, 'timeout', 'cannot connect: not ready within 1000 ms (the server accepted the connection but never answered)'));
  });
});

describe('a real redis-server frozen with SIGSTOP', () => {
  let redis: RedisServer;
  const stores: LeaseStore[] = [];
  beforeEach(async () => {
    redis = await RedisServer.start();
  });
  afterEach(async () => {
    redis.thaw();
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await redis.stop();
  });

  test('each command is a timeout naming the server and what it was doing; renewal keeps the unexpired lease; closing gives up the release after the timeout and says so', async () => {
    const store = await openLeaseStore({ url: redis.url, ttlMs: 30_000, timeoutMs: 400, prefix: 'frozen' });
    stores.push(store);
    const held = await store.acquire([req]);
    const lost: string[] = [];
    held.onLost((r, why) => lost.push(`${r.key}: ${why}`));
    redis.freeze();
    expect(await rejection(store.list())).toEqual(new ResourceError(redis.url, 'timeout', 'listing the leases: no answer within 400 ms'));
    expect(await rejection(store.acquire([{ key: 'device:2', label: 'device meter-2 (rig lab)' }]))).toEqual(
      new ResourceError(redis.url, 'timeout', 'taking the lease on device:2: no answer within 400 ms'),
    );
    // The renewal times out; the lease has 30 s to run, nobody can have taken it: still held.
    await held.check();
    expect(lost).toEqual([]);
    expect(held.records.map((r) => r.key)).toEqual([req.key]);
    const record = held.records[0]!;
    expect(await store.close()).toEqual([{ record, why: `${redis.url}: releasing the lease on ${req.key}: no answer within 400 ms` }]);
  });

  test('a stop during the release ends it at once, naming the lease left to lapse', async () => {
    // A timeout far longer than the test: only the stop can end the wait.
    const store = await openLeaseStore({ url: redis.url, ttlMs: 30_000, timeoutMs: 60_000, prefix: 'frozen-stop' });
    stores.push(store);
    const held = await store.acquire([req]);
    const record = held.records[0]!;
    redis.freeze();
    const signals = new EventEmitter();
    const stop = new ProcessStop(signals, { parentPollMs: 0 });
    try {
      const closing = closeLeaseStore(store, stop);
      signals.emit('SIGTERM', 'SIGTERM');
      expect(await closing).toEqual([`lease on ${req.label} not released (stopped before its release was confirmed); nobody renews it, it lapses at ${record.expires}`]);
    } finally {
      stop.dispose();
    }
  });

  test('after a first signal, the release is still waited for (bounded); a second one ends it', async () => {
    const store = await openLeaseStore({ url: redis.url, ttlMs: 30_000, timeoutMs: 60_000, prefix: 'frozen-second' });
    stores.push(store);
    const held = await store.acquire([req]);
    const record = held.records[0]!;
    const signals = new EventEmitter();
    const stop = new ProcessStop(signals, { parentPollMs: 0 });
    try {
      // The run was stopped (its tests ended interrupted); now it releases, and Redis freezes.
      signals.emit('SIGINT', 'SIGINT');
      redis.freeze();
      let settled = false;
      const closing = closeLeaseStore(store, stop).finally(() => (settled = true));
      await new Promise((r) => setImmediate(r));
      expect(settled).toBe(false);
      signals.emit('SIGINT', 'SIGINT');
      expect(await closing).toEqual([`lease on ${req.label} not released (stopped before its release was confirmed); nobody renews it, it lapses at ${record.expires}`]);
    } finally {
      stop.dispose();
    }
  });
});
