import { ProgressReporter } from '../../../harness/report/progress.js';
import { Run } from '../../../harness/runner/run.js';
import { FakeExecutor, gate } from '../runner/support/fake-executor.js';
import { fakeRig, suite } from '../runner/support/fixtures.js';
import { FakeClock } from '../../support/fake-clock.js';
import { Collector } from './support/collect.js';
import { colourWanted, startupLine } from '../../../harness/report/terminal.js';

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
      '',
      'failure:',
      '  ✗ clock-skew @ meter-1 › fails',
      '      step 1 (get: 43): NMSCertValid is true',
      '',
      'failed: 1 passed, 1 failed, 1 skipped in 0ms',
      '',
    ].join('\n'),
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
  // Every finished test is printed for good above the live area, passes as one line cut to the width.
  expect(out.text).toContain('✗ meter-1   clock-skew › fails  0ms  step 1 (get: 43): NMSCertValid is true');
  expect(out.text).toContain('✓ meter-1   clock-skew › registers  12s\n');
  expect(out.text).not.toContain('↷');
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

test('the closing block names each failure with its reason and pcap, then the reports; colour only when asked', async () => {
  const s2 = suite('firewall', 'tests:', '  - { name: is reported down, steps: [ { get: 43 } ] }', '  - { name: stays up, steps: [ { get: 1 } ] }');
  const ex = new FakeExecutor().when('get: 43', async (_s, ctx) => {
    ctx.attach({ name: 'meter-1.pcap', path: 'reports/attachments/firewall/meter-1/is-reported-down.pcap', contentType: 'application/vnd.tcpdump.pcap' });
    return { status: 'failed', message: 'meter-1 is up, not down, after 5m\nevidence: …' };
  });
  const reports = [
    { label: 'JUnit', path: 'reports/junit.xml' },
    { label: 'HTML', path: 'reports/report.html' },
  ];
  const plain = new Collector();
  await new Run({ rig: fakeRig([{ name: 'meter-1' }]), suites: [s2], executor: ex, reporter: new ProgressReporter({ stream: plain, reports }), options: { clock: new FakeClock(0) } }).start();
  expect(plain.text.split('\n').slice(3)).toEqual([
    '',
    'failure:',
    '  ✗ firewall @ meter-1 › is reported down',
    '      step 1 (get: 43): meter-1 is up, not down, after 5m',
    '      pcap: reports/attachments/firewall/meter-1/is-reported-down.pcap',
    '',
    'reports:',
    '  JUnit  reports/junit.xml',
    '  HTML   reports/report.html',
    '',
    'failed: 1 passed, 1 failed in 0ms',
    '',
  ]);
  expect(plain.text).not.toContain('\x1b[');

  const coloured = new Collector();
  await new Run({ rig: fakeRig([{ name: 'meter-1' }]), suites: [s2], executor: ex, reporter: new ProgressReporter({ stream: coloured, reports, colour: true }), options: { clock: new FakeClock(0) } }).start();
  expect(coloured.text).toContain('\x1b[31m✗\x1b[39m meter-1   firewall › is reported down');
  expect(coloured.text).toContain('\x1b[32m✓\x1b[39m meter-1   firewall › stays up');
  expect(coloured.text.endsWith('\x1b[31mfailed:\x1b[39m 1 passed, 1 failed in 0ms\n')).toBe(true);
});

test('colour follows FORCE_COLOR, then NO_COLOR, then the terminal', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  expect(colourWanted(tty, {})).toBe(true);
  expect(colourWanted(pipe, {})).toBe(false);
  expect(colourWanted(tty, { NO_COLOR: '1' })).toBe(false);
  expect(colourWanted(tty, { NO_COLOR: '' })).toBe(true);
  expect(colourWanted(pipe, { FORCE_COLOR: '1' })).toBe(true);
  expect(colourWanted(pipe, { FORCE_COLOR: '' })).toBe(true);
  expect(colourWanted(tty, { FORCE_COLOR: '0', NO_COLOR: '' })).toBe(false);
  expect(colourWanted(tty, { FORCE_COLOR: 'false' })).toBe(false);
  expect(colourWanted(pipe, { FORCE_COLOR: '2', NO_COLOR: '1' })).toBe(true);
  expect(colourWanted(tty, { TERM: 'dumb' })).toBe(false);
});

test('the start-up line names rig, devices and suites, shortening long lists', () => {
  expect(startupLine({ rig: { name: 'virtual', file: 'rigs/virtual.yaml' }, devices: ['meter-1', 'meter-2'], suites: ['registration'], tests: 8 })).toBe(
    'rig virtual (rigs/virtual.yaml) · 2 devices: meter-1, meter-2 · 1 suite: registration · 8 tests',
  );
  const many = Array.from({ length: 40 }, (_, i) => `meter-${i + 1}`);
  expect(startupLine({ rig: { name: 'rack', file: 'r.yaml' }, devices: many, suites: ['a', 'b'], tests: 1 })).toBe(
    'rig rack (r.yaml) · 40 devices: meter-1, meter-2, meter-3, meter-4, meter-5, … meter-40 (40) · 2 suites: a, b · 1 test',
  );
});
