import { execa } from 'execa';
import { TapReporter } from '../../../harness/report/tap.js';
import { Run } from '../../../harness/runner/run.js';
import type { StepExecutor } from '../../../harness/runner/executor.js';
import { FakeExecutor, untilAborted } from '../runner/support/fake-executor.js';
import { fakeRig, suite } from '../runner/support/fixtures.js';
import { FakeClock } from '../../support/fake-clock.js';
import { Collector } from './support/collect.js';

const s = suite(
  'clock-skew',
  'tests:',
  '  - { name: "rejects # skewed", steps: [ { get: 43 }, { expect: { tlv: 43, field: NMSCertValid, equals: false } } ] }',
  '  - { name: needs clock, requires: [clock-set], steps: [ { wait: 1s } ] }',
);

async function tapOf(executor: StepExecutor, options: { retries?: number } = {}): Promise<string> {
  const out = new Collector();
  await new Run({ rig: fakeRig([{ name: 'meter-1' }]), suites: [s], executor, reporter: new TapReporter({ stream: out }), options: { clock: new FakeClock(1_700_000_000_000), ...options } }).start();
  return out.text;
}

const failing = (): FakeExecutor =>
  new FakeExecutor().when('expect: tlv 43 NMSCertValid equals false', async () => ({
    status: 'failed',
    message: 'NMSCertValid is true\u0007',
    expected: 'false',
    seen: 'true',
    likelyCause: 'the clock was not moved',
    fix: 'check the clock-set command',
  }));

test('flat TAP 13 with a YAML diagnostics block and SKIP reasons', async () => {
  expect(await tapOf(failing())).toBe(
    [
      'TAP version 13',
      '1..2',
      '# clock-skew @ meter-1',
      'not ok 1 - clock-skew @ meter-1 › rejects \\# skewed',
      '  ---',
      '  status: failed',
      '  kind: expectation',
      '  message: "step 2 (expect: tlv 43 NMSCertValid equals false): NMSCertValid is true\\a"',
      '  expected: "false"',
      '  seen: "true"',
      '  cause: the clock was not moved',
      '  fix: check the clock-set command',
      '  where: suites/clock-skew.yaml:4:55',
      '  duration: 0ms',
      '  ...',
      "ok 2 - clock-skew @ meter-1 › needs clock # SKIP meter-1 lacks capability 'clock-set' (has: console, power)",
      '# pass 0',
      '# fail 1',
      '# skip 1',
      '',
    ].join('\n'),
  );
});

test('a flaky pass is ok, with its attempts in the diagnostics', async () => {
  const executor = new FakeExecutor().when('expect: tlv 43 NMSCertValid equals false', async (_s, ctx) => (ctx.retry ? { status: 'passed' } : { status: 'failed' }));
  const text = await tapOf(executor, { retries: 1 });
  expect(text).toContain('ok 1 - clock-skew @ meter-1 › rejects \\# skewed\n  ---\n  attempts: 2\n  flaky: true\n  duration: 0ms\n  ...\n');
  expect(text).not.toContain('not ok');
});

/** A run stopped by a signal while its first test runs: the test in progress and the two never reached. */
async function interruptedTap(): Promise<string> {
  const out = new Collector();
  const early = suite('early', 'tests:', '  - { name: stuck, steps: [ { nms: expect-registration } ] }', '  - { name: one, steps: [ { get: 1 } ] }', '  - { name: two, steps: [ { get: 2 } ] }');
  const executor = new FakeExecutor().when('nms: expect-registration', untilAborted);
  const run = new Run({ rig: fakeRig([{ name: 'meter-1' }]), suites: [early], executor, reporter: new TapReporter({ stream: out }), options: { clock: new FakeClock(1_700_000_000_000) } });
  const done = run.start();
  await executor.started(1);
  run.interrupt('received SIGINT');
  await done;
  return out.text;
}

test('tests a stopped run never reached are not ok "not run", not ok # SKIP: a consumer must not count them as passed', async () => {
  const lines = (await interruptedTap()).split('\n');
  expect(lines.slice(lines.indexOf('not ok 2 - early @ meter-1 › one'))).toEqual([
    'not ok 2 - early @ meter-1 › one',
    '  ---',
    '  status: not run',
    '  message: "not run: received SIGINT"',
    '  ...',
    'not ok 3 - early @ meter-1 › two',
    '  ---',
    '  status: not run',
    '  message: "not run: received SIGINT"',
    '  ...',
    '# pass 0',
    '# fail 1',
    '# skip 2',
    '',
  ]);
  expect(lines).toContain('not ok 1 - early @ meter-1 › stuck');
});

describe('piped into tap-spec', () => {
  const tapSpec = (input: string) => execa('node_modules/.bin/tap-spec', { input, reject: false });

  test('exits 0 when everything passed (or was skipped)', async () => {
    const r = await tapSpec(await tapOf(new FakeExecutor()));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('passing:   2');
  });

  test('exits 1 for a run interrupted before its tests ran, counting them failing', async () => {
    const r = await tapSpec(await interruptedTap());
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('failing:   3');
  });

  test('exits 1 on a failure and shows the diagnostics', async () => {
    const r = await tapSpec(await tapOf(failing()));
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('failing:   1');
    expect(r.stdout).toContain('cause: the clock was not moved');
  });
});
