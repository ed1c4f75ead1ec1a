/**
 * A run for the kill test: one device, four tests; the third hangs until aborted. Prints
 * "started <title>" as each test begins so the parent knows when to send SIGTERM.
 */
import { JUnitReporter } from '../../../../harness/report/junit.js';
import { Multiplexer } from '../../../../harness/model/multiplexer.js';
import { exitCodeFor } from '../../../../harness/runner/exit-code.js';
import { Run } from '../../../../harness/runner/run.js';
import { ProcessStop } from '../../../../harness/app/process-stop.js';
import { FakeExecutor, untilAborted } from '../../runner/support/fake-executor.js';
import { fakeRig, suite } from '../../runner/support/fixtures.js';

const s = suite(
  'killable',
  'tests:',
  '  - { name: t1, steps: [ { get: 1 } ] }',
  '  - { name: t2, steps: [ { get: 2 } ] }',
  '  - { name: t3, steps: [ { nms: expect-registration } ] }',
  '  - { name: t4, steps: [ { get: 4 } ] }',
);
const reporter = new Multiplexer([
  new JUnitReporter({ outputFile: process.argv[2]! }),
  { onTestBegin: (t) => void process.stdout.write(`started ${t.title}\n`) },
]);
const run = new Run({
  rig: fakeRig([{ name: 'meter-1' }]),
  suites: [s],
  executor: new FakeExecutor().when('nms: expect-registration', untilAborted),
  reporter,
});
const stop = new ProcessStop(process, { parentPollMs: 0 });
stop.signal.addEventListener('abort', () => run.interrupt(stop.reason));
stop.force.addEventListener('abort', () => run.interrupt(stop.reason));
const summary = await run.start();
stop.dispose();
process.exitCode = exitCodeFor(summary, stop.received);
