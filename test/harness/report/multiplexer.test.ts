import { Multiplexer } from '../../../harness/model/multiplexer.js';
import type { Reporter } from '../../../harness/model/reporter.js';
import { Run } from '../../../harness/runner/run.js';
import { FakeExecutor } from '../runner/support/fake-executor.js';
import { fakeRig, suite } from '../runner/support/fixtures.js';
import { RecordingReporter } from '../runner/support/recording-reporter.js';

test('a throwing or rejecting reporter is logged and neither the others nor the run notice', async () => {
  const logged: string[] = [];
  const thrower: Reporter = {
    name: 'thrower',
    onTestEnd() {
      throw new Error('disk full');
    },
    async onEnd() {
      throw new Error('flush failed');
    },
  };
  const rejecter: Reporter = { name: 'rejecter', onTestBegin: (() => Promise.reject(new Error('late'))) as never };
  const recorder = new RecordingReporter();
  const mux = new Multiplexer([thrower, rejecter, recorder], (line) => logged.push(line.split('\n')[0]!));
  const s = suite('m', 'tests: [ { name: a, steps: [ { get: 1 } ] }, { name: b, steps: [ { get: 2 } ] } ]');
  const summary = await new Run({ rig: fakeRig([{ name: 'x' }]), suites: [s], executor: new FakeExecutor(), reporter: mux }).start();
  await new Promise((r) => setImmediate(r));
  expect(summary.status).toBe('passed');
  expect(recorder.results.map((r) => r.result.status)).toEqual(['passed', 'passed']);
  expect(recorder.summary?.status).toBe('passed');
  expect(logged.sort()).toEqual([
    'reporter rejecter failed in onTestBegin: Error: late',
    'reporter rejecter failed in onTestBegin: Error: late',
    'reporter thrower failed in onEnd: Error: flush failed',
    'reporter thrower failed in onTestEnd: Error: disk full',
    'reporter thrower failed in onTestEnd: Error: disk full',
  ]);
});

test('the run isolates a single reporter passed directly', async () => {
  const original = process.stderr.write;
  const lines: string[] = [];
  process.stderr.write = ((chunk: string) => (lines.push(chunk), true)) as never;
  try {
    const s = suite('m', 'tests: [ { name: a, steps: [ { get: 1 } ] } ]');
    const summary = await new Run({ rig: fakeRig([{ name: 'x' }]), suites: [s], executor: new FakeExecutor(), reporter: { onBegin: () => { throw new Error('boom'); } } }).start();
    expect(summary.status).toBe('passed');
  } finally {
    process.stderr.write = original;
  }
  expect(lines.join('')).toMatch(/^reporter Object failed in onBegin: Error: boom/);
});
