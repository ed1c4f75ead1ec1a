/**
 * Taking over a dead holder's lock file when several takers find it at once: exactly one wins, the
 * others are refused naming the winner. The interleavings are driven step by step through the
 * backend's test hook (FileLeaseBackend onStep), not hoped for in a loop.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceError } from '../../../core/errors.js';
import type { LeaseOwner } from '../../../core/lease.js';
import { FileLeaseBackend, lockFileFor, takeoverGuardBase, type FileLeaseStep } from '../../../drivers/lease/file-backend.js';
import { BackedLeaseStore } from '../../../drivers/lease/lease-store.js';

const req = { key: 'device:00173bfffe000001', label: 'device meter-1' };
const me = (user: string): LeaseOwner => ({ host: hostname(), pid: process.pid, user, command: `hil run ${user}.yaml` });

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** A hook that pauses at `step` until `release` opens, and says when it got there. */
function pauseAt(step: FileLeaseStep) {
  const reached = gate();
  const release = gate();
  let paused = false;
  return {
    reached: reached.promise,
    open: release.open,
    onStep: async (s: FileLeaseStep): Promise<void> => {
      if (s !== step || paused) return;
      paused = true;
      reached.open();
      await release.promise;
    },
  };
}

let dir: string;
let file: string;
let deadText: string;
let deadPid: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hil-takeover-'));
  file = lockFileFor(req.key, dir);
  deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
  deadText = JSON.stringify({
    key: req.key,
    label: req.label,
    owner: { host: hostname(), pid: deadPid, user: 'carol', command: 'hil run dead.yaml' },
    token: 'dead-token',
    since: '2026-01-01T00:00:00.000Z',
    expires: '2026-01-01T00:00:30.000Z',
    ttlMs: 30000,
  });
  writeFileSync(file, deadText);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const tokenInFile = (): string => (JSON.parse(readFileSync(file, 'utf8')) as { token: string }).token;

test('a taker that judged the dead lease while another replaced it is refused naming the winner, and the winner keeps its file', async () => {
  const b = pauseAt('judged');
  const alice = new BackedLeaseStore(new FileLeaseBackend(dir), { owner: me('alice') });
  const bob = new BackedLeaseStore(new FileLeaseBackend(dir, { onStep: b.onStep }), { owner: me('bob') });
  // Bob reads the dead holder's file and judges it dead…
  const bobTakes = bob.acquire([req]).then(
    () => 'taken',
    (e: unknown) => e,
  );
  await b.reached;
  // …Alice takes it over in full meanwhile…
  const held = await alice.acquire([req]);
  expect(held.takeovers.map((t) => t.reason)).toEqual([`its process (pid ${deadPid}) is gone`]);
  const mine = held.records[0]!;
  // …then Bob goes on: he must not remove Alice's live file in the belief it is the dead one.
  b.open();
  expect(await bobTakes).toEqual(
    new ResourceError(req.label, 'busy', `in use by this process (pid ${process.pid}) since ${mine.since}, lease until ${mine.expires}: hil run alice.yaml (lock folder ${dir})`),
  );
  expect(tokenInFile()).toBe(mine.token);
  await held.release();
  expect(readdirSync(dir)).toEqual([]);
});

test("a taker that finds another's takeover guard waits for it, then is refused naming the winner", async () => {
  const a = pauseAt('guarded');
  const busy = gate();
  const alice = new BackedLeaseStore(new FileLeaseBackend(dir, { onStep: a.onStep }), { owner: me('alice') });
  const bob = new BackedLeaseStore(new FileLeaseBackend(dir, { onStep: (s) => void (s === 'guard-busy' && busy.open()) }), { owner: me('bob') });
  // Alice holds the guard of the dead file, not yet having replaced it.
  const aliceTakes = alice.acquire([req]);
  await a.reached;
  expect(readdirSync(dir).sort()).toEqual([basename(file), `${basename(takeoverGuardBase(file, deadText))}.0`]);
  const bobTakes = bob.acquire([req]).then(
    () => 'taken',
    (e: unknown) => e,
  );
  await busy.promise;
  expect(readFileSync(file, 'utf8')).toBe(deadText);
  a.open();
  const held = await aliceTakes;
  const mine = held.records[0]!;
  expect(await bobTakes).toEqual(
    new ResourceError(req.label, 'busy', `in use by this process (pid ${process.pid}) since ${mine.since}, lease until ${mine.expires}: hil run alice.yaml (lock folder ${dir})`),
  );
  expect(tokenInFile()).toBe(mine.token);
  expect(readdirSync(dir)).toEqual([basename(file)]);
  await held.release();
});

test('a takeover guard left by a taker killed under it does not block the lease; it is cleared by the next takeover', async () => {
  const guard = `${takeoverGuardBase(file, deadText)}.0`;
  writeFileSync(guard, JSON.stringify({ host: hostname(), pid: deadPid, since: '2026-01-01T00:00:01.000Z' }));
  const alice = new BackedLeaseStore(new FileLeaseBackend(dir), { owner: me('alice') });
  const held = await alice.acquire([req]);
  expect(held.takeovers.map((t) => t.previous.token)).toEqual(['dead-token']);
  expect(tokenInFile()).toBe(held.records[0]!.token);
  expect(readdirSync(dir)).toEqual([basename(file)]);
  await held.release();
});

test('`hil locks release` of a dead lease does not remove the live lease that replaced it meanwhile', async () => {
  const r = pauseAt('judged');
  const releaser = new BackedLeaseStore(new FileLeaseBackend(dir, { onStep: r.onStep }), { owner: me('admin') });
  const alice = new BackedLeaseStore(new FileLeaseBackend(dir), { owner: me('alice') });
  const releasing = releaser.release(req.key);
  await r.reached;
  const held = await alice.acquire([req]);
  r.open();
  expect(await releasing).toEqual({
    released: false,
    reason: 'the lease changed hands while being freed (look again with hil locks)',
    record: JSON.parse(deadText),
  });
  expect(tokenInFile()).toBe(held.records[0]!.token);
  await held.release();
});
