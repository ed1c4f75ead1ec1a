/**
 * Leases in a real Redis: refusal naming the holder, renewal keeping a lease past its TTL,
 * expiry of an abandoned lease and its takeover with the previous holder named, forced release
 * noticed by the holder, and an unreachable server as a typed error.
 */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { ResourceError } from '../../../core/errors.js';
import type { LeaseOwner, LeaseState, LeaseStore } from '../../../core/lease.js';
import { BackedLeaseStore } from '../../../drivers/lease/lease-store.js';
import { openLeaseStore } from '../../../drivers/lease/open-lease-store.js';
import { RedisLeaseBackend } from '../../../drivers/lease/redis-backend.js';
import { RedisServer } from '../../support/redis-server.js';
import { until } from '../../harness/cli/support/cli.js';

const TTL = 900;
const owner = (user: string, pid: number): LeaseOwner => ({ host: 'rack-7', pid, user, command: `hil run ${user}.yaml`, ciJobUrl: `https://ci.example/${user}` });
const req = { key: 'device:00173b0000000001', label: 'device meter-1 (rig lab)' };

describe('Redis lease store', () => {
  let redis: RedisServer;
  const stores: LeaseStore[] = [];
  const store = async (who: LeaseOwner, ttlMs = TTL): Promise<LeaseStore> => {
    const s = new BackedLeaseStore(await RedisLeaseBackend.connect(redis.url, { prefix: `t${stores.length}x` }), { ttlMs, owner: who });
    stores.push(s);
    return s;
  };
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await redis.stop();
  });

  test('a second taker is refused naming the holder; the lease is renewed past its TTL while held; release frees it', async () => {
    const prefix = { prefix: 'shared-1' };
    const alice = new BackedLeaseStore(await RedisLeaseBackend.connect(redis.url, prefix), { ttlMs: TTL, owner: owner('alice', 11) });
    const bob = new BackedLeaseStore(await RedisLeaseBackend.connect(redis.url, prefix), { ttlMs: TTL, owner: owner('bob', 22) });
    stores.push(alice, bob);
    const held = await alice.acquire([req]);
    expect(held.takeovers).toEqual([]);
    const first = held.records[0]!;
    await expect(bob.acquire([req])).rejects.toThrow(
      new ResourceError(
        'device meter-1 (rig lab)',
        'busy',
        `in use by alice@rack-7 pid 11 (https://ci.example/alice) since ${first.since}, lease until ${first.expires}: hil run alice.yaml (${redis.url})`,
      ),
    );
    // Renewed: after two TTLs the lease is still alice's, with a later expiry.
    const renewedBy = Date.now() + 2 * TTL;
    await until(() => Date.now() > renewedBy, 5000, "two TTLs");
    const [state] = await bob.list();
    expect(state).toMatchObject({ live: true, record: { key: req.key, token: first.token, owner: { user: 'alice' } } });
    expect(Date.parse(state!.record.expires)).toBeGreaterThan(Date.parse(first.expires));
    await held.release();
    expect(await bob.list()).toEqual([]);
    const mine = await bob.acquire([req]);
    expect(mine.takeovers).toEqual([]);
    await mine.release();
  });

  test('all or none: one held key leaves nothing taken of the others', async () => {
    const a = await store(owner('alice', 11));
    const held = await a.acquire([{ key: 'device:2', label: 'device meter-2' }]);
    const b = new BackedLeaseStore(await RedisLeaseBackend.connect(redis.url, { prefix: `t${stores.length - 1}x` }), { ttlMs: TTL, owner: owner('bob', 22) });
    stores.push(b);
    await expect(b.acquire([{ key: 'device:1', label: 'device meter-1' }, { key: 'device:2', label: 'device meter-2' }])).rejects.toThrow(/^device meter-2: in use by alice@rack-7 pid 11/);
    expect((await a.list()).map((s: LeaseState) => s.record.key)).toEqual(['device:2']);
    await held.release();
  });

  test('an abandoned lease expires by itself; the next taker reports whose lease it took over', async () => {
    // Alice's process dies right after taking the lease, as a SIGKILLed run: nobody renews it and
    // nobody releases it. (The backend alone takes it; there is no renewal without the store.)
    const prefix = { prefix: 'abandoned' };
    const alicesBackend = await RedisLeaseBackend.connect(redis.url, prefix);
    const now = Date.now();
    const record = { ...req, owner: owner('alice', 11), token: 'alice-token', since: new Date(now).toISOString(), expires: new Date(now + TTL).toISOString(), ttlMs: TTL };
    expect(await alicesBackend.take(record)).toEqual({ taken: true });
    await alicesBackend.close();

    const b = new BackedLeaseStore(await RedisLeaseBackend.connect(redis.url, prefix), { ttlMs: TTL, owner: owner('bob', 22) });
    stores.push(b);
    await expect(b.acquire([req])).rejects.toThrow(/in use by alice/);
    let states: LeaseState[] = [];
    for (const end = Date.now() + 5000; ; await new Promise((r) => setTimeout(r, 50))) {
      states = await b.list();
      if (states.length === 1 && !states[0]!.live) break;
      if (Date.now() > end) throw new Error('the lease did not expire');
    }
    // Redis expired it on its own clock, within the TTL plus polling slack.
    expect(Date.now() - now).toBeLessThan(TTL + 1000);
    const reason = `its lease expired at ${record.expires} without being released`;
    expect(states).toEqual([{ record, live: false, why: reason }]);
    const taken = await b.acquire([req]);
    expect(taken.takeovers).toEqual([{ key: req.key, label: req.label, previous: record, reason }]);
    await taken.release();
    expect(await b.list()).toEqual([]);
  });

  test('a forced release is refused without --force, and the holder hears that its lease is lost', async () => {
    const a = await store(owner('alice', 11));
    const held = await a.acquire([req]);
    const lost = new Promise<string>((res) => held.onLost((r, why) => res(`${r.key}: ${why}`)));
    expect(await a.release(req.key)).toEqual({ released: false, reason: 'its holder is alive (use --force to free it anyway)', record: held.records[0] });
    const forced = await a.release(req.key, { force: true });
    expect(forced).toMatchObject({ released: true, forced: true, record: { token: held.records[0]!.token } });
    expect(await lost).toBe(`${req.key}: the lease is gone or held by someone else (released by force, or expired while renewal was impossible)`);
    await held.release();
  });

  test('a holder on this host whose process is gone is shown dead at once, can be freed without --force, and is taken over', async () => {
    const prefix = { prefix: 'dead-here' };
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const now = Date.now();
    // As a run SIGKILLed on this host leaves it: its lease still in Redis for most of its TTL.
    const record = { ...req, owner: { ...owner('carol', dead), host: hostname() }, token: 'carol-token', since: new Date(now).toISOString(), expires: new Date(now + 60_000).toISOString(), ttlMs: 60_000 };
    const planter = await RedisLeaseBackend.connect(redis.url, prefix);
    expect(await planter.take(record)).toEqual({ taken: true });
    const gone = `its process (pid ${dead}) is gone`;
    const b = new BackedLeaseStore(await RedisLeaseBackend.connect(redis.url, prefix), { ttlMs: TTL, owner: owner('bob', 22) });
    stores.push(b);
    expect(await b.list()).toEqual([{ record, live: false, why: gone }]);
    expect(await b.release(req.key)).toEqual({ released: true, record, forced: false });
    expect(await b.list()).toEqual([]);

    // Planted again: the next taker takes it over at once, naming whose it was.
    expect(await planter.take({ ...record, token: 'carol-2' })).toEqual({ taken: true });
    await planter.close();
    const taken = await b.acquire([req]);
    expect(taken.takeovers).toEqual([{ key: req.key, label: req.label, previous: { ...record, token: 'carol-2' }, reason: gone }]);
    await taken.release();
  });

  test('a holder on this host whose pid now names a later process is dead; a live one on this host is held', async () => {
    const prefix = { prefix: 'recycled' };
    const backend = await RedisLeaseBackend.connect(redis.url, prefix);
    const now = Date.now();
    const base = { ...req, since: new Date(now).toISOString(), expires: new Date(now + 60_000).toISOString(), ttlMs: 60_000 };
    const recycled = { ...base, owner: { ...owner('carol', process.pid), host: hostname(), startTime: 1 }, token: 'recycled' };
    expect(await backend.take(recycled)).toEqual({ taken: true });
    const live = { ...base, key: 'device:2', owner: { ...owner('dave', process.pid), host: hostname() }, token: 'live' };
    expect(await backend.take(live)).toEqual({ taken: true });
    expect(await backend.list()).toEqual([
      { record: recycled, live: false, why: `its process (pid ${process.pid}) is gone; the pid now belongs to another process` },
      { record: live, live: true },
    ]);
    expect(await backend.remove('device:2', false)).toEqual({ released: false, reason: 'its holder is alive (use --force to free it anyway)', record: live });
    expect(await backend.remove(req.key, false)).toEqual({ released: true, record: recycled, forced: false });
    expect(await backend.remove('device:2', true)).toEqual({ released: true, record: live, forced: true });
    await backend.close();
  });

  test('an unreachable server is a ResourceError naming it without its password', async () => {
    const e = await openLeaseStore({ url: 'redis://:s3cret@127.0.0.1:1' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ResourceError);
    expect((e as Error).message).toBe('redis://127.0.0.1:1: cannot connect: connect ECONNREFUSED 127.0.0.1:1');
  });

  test('the default owner says who this process is', async () => {
    const s = await openLeaseStore({ url: redis.url, ttlMs: TTL, prefix: 'owner-test' });
    stores.push(s);
    const held = await s.acquire([req]);
    expect(held.records[0]!.owner).toMatchObject({ host: hostname(), pid: process.pid });
    await held.release();
  });
});
