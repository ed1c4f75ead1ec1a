import { EventEmitter } from 'node:events';
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
      '1..2',
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
    '1..3',
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

describe('a TAP stream whose writes start failing (a full disk)', () => {
  /** A stream that refuses from its `failFrom`-th write on, like a file on a disk that filled. */
  class FillingStream {
    text = '';
    private writes = 0;
    constructor(private readonly failFrom: number) {}
    write(t: string): boolean {
      if (++this.writes >= this.failFrom && !t.startsWith('Bail out!')) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      this.text += t;
      return true;
    }
  }

  test('whole lines only, then a Bail out! saying results were lost and no plan; tap-spec fails it', async () => {
    const out = new FillingStream(3);
    const errors: string[] = [];
    await new Run({
      rig: fakeRig([{ name: 'meter-1' }]),
      suites: [s],
      executor: failing(),
      reporter: { name: 'guarded', ...wrapThrows(new TapReporter({ stream: out }), errors) },
      options: { clock: new FakeClock(1_700_000_000_000) },
    }).start();
    const lines = out.text.split('\n');
    expect(lines.slice(0, 2)).toEqual(['TAP version 13', '# clock-skew @ meter-1']);
    expect(lines.slice(-3)).toEqual(['  ...', 'Bail out! TAP output lost: results could not be written (no space left on the device (ENOSPC)); this output is incomplete', '']);
    expect(lines.filter((l) => /^(not )?ok \d/.test(l))).toEqual(['not ok 1 - clock-skew @ meter-1 › rejects \\# skewed']);
    expect(lines.some((l) => /^1\.\.\d/.test(l))).toBe(false);
    expect(errors).toEqual(['ENOSPC: no space left on device, write']);
    const r = await execa('node_modules/.bin/tap-spec', { input: out.text, reject: false });
    expect(r.exitCode).toBe(1);
  });
});

test('a forced exit before the run ended (the third signal): a Bail out! and no plan; after the end, nothing more', async () => {
  const exits = new EventEmitter();
  const out = new Collector();
  const tap = new TapReporter({ stream: out, exits });
  let emitted = false;
  const executor = new FakeExecutor().when('expect: tlv 43 NMSCertValid equals false', async () => {
    exits.emit('exit', 143);
    emitted = true;
    return { status: 'passed' };
  });
  await new Run({ rig: fakeRig([{ name: 'meter-1' }]), suites: [s], executor, reporter: tap, options: { clock: new FakeClock(1_700_000_000_000) } }).start();
  expect(emitted).toBe(true);
  const lines = out.text.split('\n');
  expect(lines.slice(0, 3)).toEqual(['TAP version 13', 'Bail out! the run was stopped before all its results were written', '# clock-skew @ meter-1']);
  expect(exits.listenerCount('exit')).toBe(0);
  exits.emit('exit', 0);
  expect(out.text.split('\n').at(-2)).toBe('1..2');
});

/** The run's recording guard in small: a reporter's throw is counted, not propagated. */
function wrapThrows(r: TapReporter, errors: string[]): Partial<TapReporter> {
  const guard =
    <A extends unknown[]>(f: (...a: A) => void) =>
    (...a: A): void => {
      try {
        f(...a);
      } catch (e) {
        errors.push((e as Error).message);
      }
    };
  return {
    onBegin: guard(r.onBegin.bind(r)),
    onTestEnd: guard(r.onTestEnd.bind(r)),
    onError: guard(r.onError.bind(r)),
    onEnd: guard(r.onEnd.bind(r)),
  };
}
