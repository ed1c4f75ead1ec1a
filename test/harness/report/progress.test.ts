import { ProgressReporter } from '../../../harness/report/progress.js';
import { Run } from '../../../harness/runner/run.js';
import { FakeExecutor, gate } from '../runner/support/fake-executor.js';
import { fakeRig, suite } from '../runner/support/fixtures.js';
import { FakeClock } from '../../support/fake-clock.js';
import { Collector } from './support/collect.js';

const s = suite(
  'clock-skew',
  'tests:',
  '  - { name: registers, steps: [ { wait: 1s }, { nms: expect-registration } ] }',
  '  - { name: fails, steps: [ { get: 43 } ] }',
  '  - { name: needs clock, requires: [clock-set], steps: [ { wait: 1s } ] }',
);
const executor = (): FakeExecutor => new FakeExecutor().when('get: 43', async () => ({ status: 'failed', message: 'NMSCertValid is true' }));

test('without a TTY: one plain line per finished test and a summary', async () => {
  const out = new Collector();
  const clock = new FakeClock(1_700_000_000_000);
  await new Run({ rig: fakeRig([{ name: 'meter-1' }]), suites: [s], executor: executor(), reporter: new ProgressReporter({ stream: out }), options: { clock } }).start();
  expect(out.text).toBe(
    [
      'running 3 tests on 1 devices of rig fake-rig',
      '✓ meter-1   clock-skew › registers  0ms',
      '✗ meter-1   clock-skew › fails  0ms  step 1 (get: 43): NMSCertValid is true',
      "↷ meter-1   clock-skew › needs clock  skipped: meter-1 lacks capability 'clock-set' (has: console, power)",
      'failed: 0 passed, 1 failed, 1 skipped in 0ms',
      '',
    ].join('\n').replace('0 passed', '1 passed'),
  );
});

test('on a TTY: one live line per device with the current test, step and elapsed time', async () => {
  const out = new Collector({ tty: true, columns: 100 });
  const clock = new FakeClock(1_700_000_000_000);
  const held = gate();
  const reached = gate();
  const ex = executor().when('nms: expect-registration', async () => (reached.open(), await held.promise, { status: 'passed' }), 'meter-1');
  const progress = new ProgressReporter({ stream: out, now: () => clock.now() });
  const done = new Run({ rig: fakeRig([{ name: 'meter-1' }, { name: 'meter-2' }]), suites: [s], executor: ex, reporter: progress, options: { clock } }).start();
  await reached.promise;
  clock.advance(12_000);
  const frame = progress.frame().split('\n');
  expect(frame).toHaveLength(2);
  expect(frame[0]).toBe('meter-1  [0/3]      ▶ clock-skew › registers  step 2/2 nms: expect-registration  12s');
  held.open();
  await done;
  expect(progress.frame().split('\n')).toEqual(['meter-1  [3/3 ✗1]   done', 'meter-2  [3/3 ✗1]   done']);
  // Failures are printed for good above the live area; passes only live in it.
  expect(out.text).toContain('✗ meter-1   clock-skew › fails  0ms  step 1 (get: 43): NMSCertValid is true');
  expect(out.text).not.toContain('✓ meter-1');
  expect(out.text.endsWith('failed: 2 passed, 2 failed, 2 skipped in 12s\n')).toBe(true);
});

test('a live line never exceeds the terminal width', async () => {
  const out = new Collector({ tty: true, columns: 40 });
  const progress = new ProgressReporter({ stream: out });
  const ex = new FakeExecutor();
  const long = suite('a-suite-with-a-long-name', 'tests: [ { name: a test with a very long descriptive name indeed, steps: [ { get: 1 } ] } ]');
  const started = gate();
  ex.when('get: 1', async () => (started.open(), await new Promise<void>(() => {}), { status: 'passed' }));
  const run = new Run({ rig: fakeRig([{ name: 'meter-1' }]), suites: [long], executor: ex, reporter: progress, options: { stepTimeoutMs: 1 } });
  const done = run.start();
  await started.promise;
  expect(progress.frame().length).toBe(39);
  await done;
});
