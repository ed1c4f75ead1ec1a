/**
 * A run in its own process for the cross-process lease test: one device leased in Redis, one test.
 * `hold` hangs in its test until killed; `quick` passes at once. Prints "started <title>" when its
 * test begins, "note <message>" for each run note, "error <message>" for harness errors.
 *   node --import register-ts.mjs leased-run.ts <redis-url> <hold|quick> <ttl-ms>
 */
import { openLeaseStore } from '../../../../drivers/lease/open-lease-store.js';
import { exitCodeFor } from '../../../../harness/runner/exit-code.js';
import { Run } from '../../../../harness/runner/run.js';
import { handleSignals } from '../../../../harness/runner/signals.js';
import { FakeExecutor, untilAborted } from './fake-executor.js';
import { fakeRig, suite } from './fixtures.js';

const [url, mode, ttl] = process.argv.slice(2) as [string, 'hold' | 'quick', string];
const store = await openLeaseStore({ url, ttlMs: Number(ttl), prefix: 'cross-process' });
const executor = mode === 'hold' ? new FakeExecutor().when('nms: expect-registration', untilAborted) : new FakeExecutor();
const run = new Run({
  rig: fakeRig([{ name: 'meter-1' }]),
  suites: [suite('leased', 'tests:', '  - { name: t1, steps: [ { nms: expect-registration } ] }')],
  executor,
  options: { leases: store },
  reporter: {
    onTestBegin: (t) => void process.stdout.write(`started ${t.title}\n`),
    onNote: (n) => void process.stdout.write(`note ${n.message}\n`),
    onError: (e) => void process.stderr.write(`error ${e.message}\n`),
  },
});
const signals = handleSignals(process, run);
const summary = await run.start();
signals.dispose();
await store.close();
process.exitCode = exitCodeFor(summary, signals.received);
