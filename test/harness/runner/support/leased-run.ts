/**
 * A run in its own process for the cross-process lease test: one device leased in Redis, one test.
 * `hold` hangs in its test until killed; `quick` passes at once. Prints "started <title>" when its
 * test begins, "note <message>" for each run note, "error <message>" for harness errors.
 * With [report-folder], the run also writes its HTML report and event log there.
 *   node --import register-ts.mjs leased-run.ts <redis-url> <hold|quick> <ttl-ms> [report-folder]
 */
import { openLeaseStore } from '../../../../drivers/lease/open-lease-store.js';
import { exitCodeFor } from '../../../../harness/runner/exit-code.js';
import { Run } from '../../../../harness/runner/run.js';
import { ProcessStop } from '../../../../harness/app/process-stop.js';
import { join } from 'node:path';
import { Multiplexer } from '../../../../harness/model/multiplexer.js';
import { EventLogReporter } from '../../../../harness/report/event-log.js';
import { HtmlReporter } from '../../../../harness/report/html/reporter.js';
import { FakeExecutor, untilAborted } from './fake-executor.js';
import { fakeRig, suite } from './fixtures.js';

const [url, mode, ttl, reports] = process.argv.slice(2) as [string, 'hold' | 'quick', string, string | undefined];
const store = await openLeaseStore({ url, ttlMs: Number(ttl), prefix: 'cross-process' });
const executor = mode === 'hold' ? new FakeExecutor().when('nms: expect-registration', untilAborted) : new FakeExecutor();
const run = new Run({
  rig: fakeRig([{ name: 'meter-1' }]),
  suites: [suite('leased', 'tests:', '  - { name: t1, steps: [ { nms: expect-registration } ] }')],
  executor,
  options: { leases: store },
  reporter: new Multiplexer([
    {
      onTestBegin: (t) => void process.stdout.write(`started ${t.title}\n`),
      onNote: (n) => void process.stdout.write(`note ${n.message}\n`),
      onError: (e) => void process.stderr.write(`error ${e.message}\n`),
    },
    ...(reports ? [new HtmlReporter({ outputFile: join(reports, 'report.html') }), new EventLogReporter({ outputFile: join(reports, 'events.jsonl') })] : []),
  ]),
});
const stop = new ProcessStop(process);
stop.signal.addEventListener('abort', () => run.interrupt(stop.reason ?? 'stopped'));
const summary = await run.start();
await store.close();
process.exitCode = exitCodeFor(summary, stop.received);
