/**
 * The end of a run whose Redis froze (SIGSTOP) as it released its device leases: a stop then ends
 * the run at once, and the run says which leases it could not free (they lapse at their expiry),
 * instead of waiting for the server to come back.
 */
import type { HeldLeases, LeaseStore } from '../../../core/lease.js';
import { openLeaseStore } from '../../../drivers/lease/open-lease-store.js';
import type { RunNote } from '../../../harness/model/run-model.js';
import { Run } from '../../../harness/runner/run.js';
import { RedisServer } from '../../support/redis-server.js';
import { FakeExecutor, gate } from './support/fake-executor.js';
import { fakeRig, suite } from './support/fixtures.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await RedisServer.start();
});
// stop() wakes a frozen server first.
afterAll(() => redis.stop());

test('a stop while releasing to a frozen Redis ends the run at once, noting the lease left to lapse', async () => {
  // A timeout far longer than the test: only the stop can end the wait.
  const real = await openLeaseStore({ url: redis.url, ttlMs: 30_000, timeoutMs: 60_000, prefix: 'release-stop' });
  const releasing = gate();
  let releasedRecords: HeldLeases['records'] = [];
  // The real store, frozen the moment the run starts releasing.
  const store: LeaseStore = {
    where: real.where,
    ttlMs: real.ttlMs,
    acquire: async (requests) => {
      const h = await real.acquire(requests);
      return {
        get records() {
          return h.records;
        },
        takeovers: h.takeovers,
        onLost: (l) => h.onLost(l),
        check: () => h.check(),
        release: (opts) => {
          releasedRecords = h.records;
          redis.freeze();
          releasing.open();
          return h.release(opts);
        },
      };
    },
    list: () => real.list(),
    release: (key, opts) => real.release(key, opts),
    close: (opts) => real.close(opts),
  };
  const notes: RunNote[] = [];
  const run = new Run({ rig: fakeRig([{ name: 'meter-1' }]), suites: [suite('s', 'tests: [ { name: t, steps: [ { get: 1 } ] } ]')], executor: new FakeExecutor(), options: { leases: store }, reporter: { onNote: (n) => notes.push(n) } });
  const done = run.start();
  await releasing.promise;
  const expires = releasedRecords[0]!.expires;
  run.interrupt('received SIGTERM');
  const summary = await done;
  expect(notes.map((n) => [n.kind, n.device, n.message])).toEqual([
    ['lease-unreleased', 'meter-1', `device meter-1 (rig fake-rig): lease not released (stopped before its release was confirmed); nobody renews it, it lapses at ${expires}`],
  ]);
  expect(summary.counts.passed).toBe(1);
  expect(summary.status).toBe('interrupted');
  redis.thaw();
  await real.close();
}, 30_000);
