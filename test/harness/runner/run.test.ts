import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { Run } from '../../../harness/runner/run.js';
import { exitCodeFor } from '../../../harness/runner/exit-code.js';
import { ResourceError } from '../../../core/errors.js';
import type { DeviceSession } from '../../../harness/runner/executor.js';
import { FakeExecutor, gate, hang, untilAborted } from './support/fake-executor.js';
import { fakeRig, suite } from './support/fixtures.js';
import { FakeClock } from '../../support/fake-clock.js';
import { RecordingReporter } from './support/recording-reporter.js';

const twoTests = suite('basic', 'tests:', '  - { name: one, steps: [ { nms: expect-registration } ] }', '  - { name: two, steps: [ { get: 75 } ] }');

describe('scheduling', () => {
  test('sixteen devices in parallel each hold an abort listener on the run signal', async () => {
    const held = heldExecutor();
    const live = new Run({ rig: sixteen(), suites: [twoTests], executor: held.executor });
    const done = live.start();
    await held.executor.started(16);
    expect(getEventListeners(live.signal, 'abort')).toHaveLength(16);
    held.open();
    expect((await done).counts.passed).toBe(32);
    expect(getEventListeners(live.signal, 'abort')).toHaveLength(0);
  });

  test('…and Node prints no MaxListenersExceededWarning for them (a process of its own: warnings go to the real stderr)', () => {
    // Node warns at an eleventh listener on an EventTarget unless the cap is lifted; the warning
    // sent people looking for a leak that is not there.
    const script = [
      "import { Run } from './dist/harness/runner/run.js';",
      "import { FakeExecutor, gate } from './dist/test/harness/runner/support/fake-executor.js';",
      "import { fakeRig, suite } from './dist/test/harness/runner/support/fixtures.js';",
      "const rig = fakeRig(Array.from({ length: 16 }, (_, i) => ({ name: `meter-${i + 1}` })));",
      "const t = suite('basic', 'tests:', '  - { name: one, steps: [ { nms: expect-registration } ] }');",
      'const executor = new FakeExecutor(); const g = gate();',
      "executor.when('nms: expect-registration', async () => { await g.promise; return { status: 'passed' }; });",
      'const done = new Run({ rig, suites: [t], executor }).start();',
      'await executor.started(16); g.open();',
      'console.log(JSON.stringify((await done).counts));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ passed: 16, failed: 0, flaky: 0, skipped: 0, interrupted: 0, error: 0 });
  });

  test('devices run in parallel, tests on one device one at a time', async () => {
    const rig = fakeRig([{ name: 'meter-1' }, { name: 'meter-2' }, { name: 'meter-3' }]);
    const executor = new FakeExecutor();
    const gates = new Map(rig.devices.map((d) => [d.name, gate()]));
    executor.when('nms: expect-registration', async (_s, ctx) => {
      await gates.get(ctx.device.name)!.promise;
      return { status: 'passed' };
    });
    const reporter = new RecordingReporter();
    const run = new Run({ rig, suites: [twoTests], executor, reporter });
    const done = run.start();

    // All three devices are inside their first test at the same time…
    await executor.started(3);
    expect(executor.calls.map((c) => `${c.device} ${c.test}`)).toEqual(['meter-1 one', 'meter-2 one', 'meter-3 one']);
    // …and none has moved on to its second test while its first is held.
    gates.get('meter-2')!.open();
    await executor.started(4);
    expect(executor.calls[3]).toEqual({ device: 'meter-2', test: 'two', retry: 0, step: 'get: 75' });
    gates.get('meter-1')!.open();
    gates.get('meter-3')!.open();
    const summary = await done;

    expect(summary.status).toBe('passed');
    expect(summary.counts).toEqual({ passed: 6, failed: 0, flaky: 0, skipped: 0, interrupted: 0, error: 0 });
    expect(executor.maxActiveOverall).toBe(3);
    expect(executor.maxActivePerDevice).toBe(1);
    for (const d of ['meter-1', 'meter-2', 'meter-3']) {
      expect(executor.events.filter((e) => e.includes(` ${d} `))).toEqual([
        `start ${d} one nms: expect-registration`,
        `end ${d} one nms: expect-registration`,
        `start ${d} two get: 75`,
        `end ${d} two get: 75`,
      ]);
    }
    expect(exitCodeFor(summary)).toBe(0);
  });

  test('setup, steps and teardown run in order with step events', async () => {
    const s = suite('ordered', 'setup: [ { power: cycle } ]', 'teardown: [ { firewall: allow } ]', 'tests:', '  - { name: t, steps: [ { wait: 1s }, { get: 75 } ] }');
    const reporter = new RecordingReporter();
    const executor = new FakeExecutor();
    await new Run({ rig: fakeRig([{ name: 'm' }]), suites: [s], executor, reporter }).start();
    expect(reporter.log).toEqual([
      'begin 1',
      'testBegin ordered @ m › t #0',
      'stepBegin m setup 1/1 power: cycle',
      'stepEnd m setup 1 passed',
      'stepBegin m test 1/2 wait: 1s',
      'stepEnd m test 1 passed',
      'stepBegin m test 2/2 get: 75',
      'stepEnd m test 2 passed',
      'stepBegin m teardown 1/1 firewall: allow',
      'stepEnd m teardown 1 passed',
      'testEnd ordered @ m › t passed',
      'end passed',
    ]);
  });
});

describe('failures and errors', () => {
  test('an expectation not met fails the test with expected/seen/cause/fix; teardown still runs', async () => {
    const s = suite('f', 'teardown: [ { firewall: allow } ]', 'tests:', '  - { name: t, steps: [ { get: 43 }, { expect: { tlv: 43, field: NMSCertValid, equals: false } }, { wait: 1s } ] }');
    const executor = new FakeExecutor().when('expect: tlv 43 NMSCertValid equals false', async () => ({
      status: 'failed',
      message: 'NMSCertValid is true',
      expected: 'false',
      seen: 'true',
      likelyCause: 'the meter clock is within the certificate validity',
      fix: 'check the clock-set console command',
    }));
    const reporter = new RecordingReporter();
    const summary = await new Run({ rig: fakeRig([{ name: 'm' }]), suites: [s], executor, reporter }).start();
    const r = reporter.final('f @ m › t');
    expect(r.status).toBe('failed');
    expect(r.failure).toEqual({
      kind: 'expectation',
      message: 'step 2 (expect: tlv 43 NMSCertValid equals false): NMSCertValid is true',
      expected: 'false',
      seen: 'true',
      likelyCause: 'the meter clock is within the certificate validity',
      fix: 'check the clock-set console command',
      step: { phase: 'test', index: 2, text: 'expect: tlv 43 NMSCertValid equals false', where: 'suites/f.yaml:5:38' },
    });
    expect(executor.calls.map((c) => c.step)).toEqual(['get: 43', 'expect: tlv 43 NMSCertValid equals false', 'firewall: allow']);
    expect(summary.status).toBe('failed');
    expect(exitCodeFor(summary)).toBe(1);
  });

  test('a throwing step is an error, not a failure', async () => {
    const executor = new FakeExecutor().when('get: 75', async () => {
      throw new Error('link dongle is down');
    });
    const reporter = new RecordingReporter();
    const summary = await new Run({ rig: fakeRig([{ name: 'm' }]), suites: [twoTests], executor, reporter }).start();
    const r = reporter.final('basic @ m › two');
    expect(r.status).toBe('error');
    expect(r.failure?.kind).toBe('error');
    expect(r.failure?.message).toBe('step 1 (get: 75): link dongle is down');
    expect(r.failure?.stack).toContain('link dongle is down');
    expect(summary.counts).toEqual({ passed: 1, failed: 0, flaky: 0, skipped: 0, interrupted: 0, error: 1 });
  });
});

describe('timeouts', () => {
  test('a hung step that ignores its signal is failed on time and the device moves on', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const executor = new FakeExecutor().when('nms: expect-registration', hang);
    const reporter = new RecordingReporter();
    const run = new Run({ rig: fakeRig([{ name: 'm' }]), suites: [twoTests], executor, reporter, options: { clock, stepTimeoutMs: 30_000 } });
    const done = run.start();
    await executor.started(1);
    clock.advance(29_999);
    expect(reporter.results).toHaveLength(0);
    clock.advance(1);
    const summary = await done;
    const r = reporter.final('basic @ m › one');
    expect(r.status).toBe('failed');
    expect(r.failure?.kind).toBe('timeout');
    expect(r.failure?.message).toBe('step 1 (nms: expect-registration) did not finish within 30s');
    expect(r.steps[0]).toMatchObject({ status: 'timedOut', duration: 30_000 });
    expect(reporter.final('basic @ m › two').status).toBe('passed');
    expect(summary.counts.failed).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  test("a step's own wait/within extends its limit", async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const s = suite('w', 'tests:', '  - { name: t, steps: [ { expect-event: { name: signatureFailure, within: 60s } } ] }');
    const executor = new FakeExecutor().when('expect-event: signatureFailure within 1m', untilAborted);
    const reporter = new RecordingReporter();
    const done = new Run({ rig: fakeRig([{ name: 'm' }]), suites: [s], executor, reporter, options: { clock, stepTimeoutMs: 10_000 } }).start();
    await executor.started(1);
    clock.advance(69_999);
    expect(reporter.results).toHaveLength(0);
    clock.advance(1);
    await done;
    expect(reporter.final('w @ m › t').failure?.message).toBe('step 1 (expect-event: signatureFailure within 1m) did not finish within 1m10s');
  });

  test('the test timeout aborts the running step', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const s = suite('tt', 'tests:', '  - { name: t, timeout: 2m, steps: [ { wait: 1s }, { nms: expect-registration } ] }');
    const executor = new FakeExecutor().when('nms: expect-registration', untilAborted);
    const reporter = new RecordingReporter();
    const done = new Run({ rig: fakeRig([{ name: 'm' }]), suites: [s], executor, reporter, options: { clock, stepTimeoutMs: 600_000 } }).start();
    await executor.started(2);
    clock.advance(120_000);
    await done;
    const r = reporter.final('tt @ m › t');
    expect(r.status).toBe('failed');
    expect(r.failure?.message).toBe('test timeout of 2m exceeded during step 2 (nms: expect-registration)');
  });
});

describe('bail, retries, skips', () => {
  test('--bail stops scheduling after the first failure', async () => {
    const s = suite('b', 'tests:', '  - { name: t1, steps: [ { get: 1 } ] }', '  - { name: t2, steps: [ { get: 2 } ] }', '  - { name: t3, steps: [ { get: 3 } ] }');
    const executor = new FakeExecutor().when('get: 1', async () => ({ status: 'failed', message: 'no' }));
    const reporter = new RecordingReporter();
    const summary = await new Run({ rig: fakeRig([{ name: 'm' }]), suites: [s], executor, reporter, options: { bail: true } }).start();
    expect(executor.calls.map((c) => c.step)).toEqual(['get: 1']);
    expect(reporter.final('b @ m › t2')).toMatchObject({ status: 'skipped', skipReason: "not run: --bail after 'b @ m › t1'" });
    expect(reporter.final('b @ m › t3').status).toBe('skipped');
    expect(summary).toMatchObject({ status: 'failed', message: "--bail after 'b @ m › t1'" });
    expect(summary.counts).toEqual({ passed: 0, failed: 1, flaky: 0, skipped: 2, interrupted: 0, error: 0 });
  });

  test('a test that passes on retry is flaky; one that never passes uses every attempt', async () => {
    const s = suite('r', 'tests:', '  - { name: flaky, steps: [ { get: 1 } ] }', '  - { name: broken, steps: [ { get: 2 } ] }');
    const executor = new FakeExecutor()
      .when('get: 1', async (_s, ctx) => (ctx.retry === 0 ? { status: 'failed', message: 'first try' } : { status: 'passed' }))
      .when('get: 2', async () => ({ status: 'failed', message: 'always' }));
    const reporter = new RecordingReporter();
    const summary = await new Run({ rig: fakeRig([{ name: 'm' }]), suites: [s], executor, reporter, options: { retries: 2 } }).start();
    expect(reporter.log.filter((l) => l.startsWith('testEnd'))).toEqual([
      'testEnd r @ m › flaky failed (will retry)',
      'testEnd r @ m › flaky passed',
      'testEnd r @ m › broken failed (will retry)',
      'testEnd r @ m › broken failed (will retry)',
      'testEnd r @ m › broken failed',
    ]);
    expect(reporter.results.map((r) => r.result.retry)).toEqual([0, 1, 0, 1, 2]);
    expect(summary.counts).toEqual({ passed: 0, failed: 1, flaky: 1, skipped: 0, interrupted: 0, error: 0 });
  });

  test('a device lacking a capability skips the test with the reason, never runs it', async () => {
    const s = suite('cs', 'requires: [console]', 'tests:', '  - { name: skew, requires: [clock-set], steps: [ { console: clock-set +2h } ] }', '  - { name: plain, steps: [ { get: 75 } ] }');
    const rig = fakeRig([{ name: 'meter-1', capabilities: ['console', 'power', 'clock-set'] }, { name: 'meter-2' }]);
    const executor = new FakeExecutor();
    const reporter = new RecordingReporter();
    const summary = await new Run({ rig, suites: [s], executor, reporter }).start();
    expect(reporter.final('cs @ meter-2 › skew')).toMatchObject({ status: 'skipped', skipReason: "meter-2 lacks capability 'clock-set' (has: console, power)" });
    expect(reporter.log).not.toContain('testBegin cs @ meter-2 › skew #0');
    expect(executor.calls.map((c) => `${c.device} ${c.step}`).sort()).toEqual(['meter-1 console: clock-set +2h', 'meter-1 get: 75', 'meter-2 get: 75']);
    expect(summary).toMatchObject({ status: 'passed', counts: { passed: 3, skipped: 1 } });
  });

  test('a step needing an NMS address the rig lacks skips the test', async () => {
    const s = suite('vip', 'tests:', '  - { name: t, steps: [ { reply-from: vip } ] }');
    const reporter = new RecordingReporter();
    await new Run({ rig: fakeRig([{ name: 'm' }]), suites: [s], executor: new FakeExecutor(), reporter }).start();
    expect(reporter.final('vip @ m › t').skipReason).toBe("rig fake-rig has no NMS address 'vip'");
  });

  test('grep, device and suite filters; unknown names are config errors', async () => {
    const rig = fakeRig([{ name: 'meter-1' }, { name: 'meter-2' }]);
    const other = suite('other', 'tests: [ { name: x, steps: [ { get: 1 } ] } ]');
    const run = new Run({ rig, suites: [twoTests, other], executor: new FakeExecutor(), options: { grep: 'one$', device: ['meter-2'] } });
    expect(run.tests.map((t) => t.title)).toEqual(['basic @ meter-2 › one']);
    expect(new Run({ rig, suites: [twoTests, other], executor: new FakeExecutor(), options: { suite: ['other'] } }).tests.map((t) => t.title)).toEqual([
      'other @ meter-1 › x',
      'other @ meter-2 › x',
    ]);
    expect(() => new Run({ rig, suites: [twoTests], executor: new FakeExecutor(), options: { device: ['meter-9'] } })).toThrow(
      "--device: no device named 'meter-9' (have: meter-1, meter-2)",
    );
  });
});

describe('device sessions', () => {
  test('setup and restore bracket every test; a failed restore makes the device unusable, not the others', async () => {
    const calls: string[] = [];
    const session: DeviceSession = {
      async setup(device, ctx) {
        calls.push(`setup ${device.name} ${ctx.testCase.name}`);
      },
      async restore(device, ctx) {
        calls.push(`restore ${device.name} ${ctx.testCase.name}`);
        if (device.name === 'meter-1') throw new Error('power relay did not answer');
      },
    };
    const reporter = new RecordingReporter();
    const rig = fakeRig([{ name: 'meter-1' }, { name: 'meter-2' }]);
    const summary = await new Run({ rig, suites: [twoTests], executor: new FakeExecutor(), session, reporter }).start();
    expect(calls.filter((c) => c.includes('meter-1'))).toEqual(['setup meter-1 one', 'restore meter-1 one']);
    expect(calls.filter((c) => c.includes('meter-2'))).toEqual(['setup meter-2 one', 'restore meter-2 one', 'setup meter-2 two', 'restore meter-2 two']);
    expect(reporter.final('basic @ meter-1 › one')).toMatchObject({ status: 'error', failure: { message: 'session restore: power relay did not answer' } });
    expect(reporter.final('basic @ meter-1 › two')).toMatchObject({
      status: 'error',
      failure: { message: "not run: device meter-1 is unusable since restore failed after 'one': session restore: power relay did not answer" },
    });
    expect(reporter.final('basic @ meter-2 › two').status).toBe('passed');
    expect(summary.counts).toEqual({ passed: 2, failed: 0, flaky: 0, skipped: 0, interrupted: 0, error: 2 });
  });

  test('a failed session setup skips the steps but still restores', async () => {
    const calls: string[] = [];
    const session: DeviceSession = {
      async setup() {
        throw new ResourceError('console meter-1', 'timeout', 'no prompt');
      },
      async restore() {
        calls.push('restore');
      },
    };
    const executor = new FakeExecutor();
    const reporter = new RecordingReporter();
    await new Run({ rig: fakeRig([{ name: 'm' }]), suites: [twoTests], executor, session, reporter }).start();
    expect(executor.calls).toEqual([]);
    expect(calls).toEqual(['restore', 'restore']);
    expect(reporter.final('basic @ m › one').failure?.message).toBe('session setup: console meter-1: no prompt');
  });

  test('a session that cannot open ends the run as a harness error (exit 2)', async () => {
    const reporter = new RecordingReporter();
    let closed = 0;
    const session: DeviceSession = {
      async open() {
        throw new ResourceError('/dev/ttyUSB0', 'busy', 'port busy');
      },
      async close() {
        closed++;
      },
    };
    const summary = await new Run({ rig: fakeRig([{ name: 'm' }]), suites: [twoTests], executor: new FakeExecutor(), session, reporter }).start();
    expect(summary).toMatchObject({ status: 'error', message: '/dev/ttyUSB0: port busy' });
    expect(reporter.errors).toEqual(['/dev/ttyUSB0: port busy']);
    expect(closed).toBe(1);
    expect(exitCodeFor(summary)).toBe(2);
  });

  test('an empty selection is a harness error', async () => {
    const summary = await new Run({ rig: fakeRig([{ name: 'm' }]), suites: [twoTests], executor: new FakeExecutor(), options: { grep: 'nothing' } }).start();
    expect(summary.status).toBe('error');
    expect(exitCodeFor(summary)).toBe(2);
  });
});

describe('interrupts', () => {
  test('interrupt marks the running test interrupted, restores it, and does not start the rest', async () => {
    const restored: string[] = [];
    const session: DeviceSession = { restore: async (d, ctx) => void restored.push(`${d.name} ${ctx.testCase.name}`) };
    const executor = new FakeExecutor().when('nms: expect-registration', untilAborted);
    const reporter = new RecordingReporter();
    const run = new Run({ rig: fakeRig([{ name: 'm' }]), suites: [twoTests], executor, session, reporter });
    const done = run.start();
    await executor.started(1);
    run.interrupt('received SIGTERM');
    const summary = await done;
    expect(reporter.final('basic @ m › one')).toMatchObject({
      status: 'interrupted',
      failure: { kind: 'interrupted', message: 'received SIGTERM during step 1 (nms: expect-registration)' },
    });
    expect(reporter.final('basic @ m › two')).toMatchObject({ status: 'skipped', skipReason: 'not run: received SIGTERM' });
    expect(restored).toEqual(['m one']);
    expect(summary).toMatchObject({ status: 'interrupted', counts: { interrupted: 1, skipped: 1 } });
    expect(exitCodeFor(summary, 'SIGTERM')).toBe(143);
    expect(exitCodeFor(summary, 'SIGINT')).toBe(130);
  });

  test('a second interrupt abandons a hung restore', async () => {
    const restoreStarted = gate();
    const session: DeviceSession = {
      restore: (_d, ctx) => {
        restoreStarted.open();
        return untilAborted({} as never, { signal: ctx.signal } as never).then(() => undefined);
      },
    };
    const executor = new FakeExecutor().when('nms: expect-registration', untilAborted);
    const reporter = new RecordingReporter();
    const run = new Run({ rig: fakeRig([{ name: 'm' }]), suites: [twoTests], executor, session, reporter });
    const done = run.start();
    await executor.started(1);
    run.interrupt();
    await restoreStarted.promise;
    run.interrupt();
    const summary = await done;
    expect(summary.status).toBe('interrupted');
    const r = reporter.final('basic @ m › one');
    expect(r.steps.map((s) => `${s.phase} ${s.status}`)).toEqual(['test interrupted', 'session interrupted']);
  });
});

function sixteen() {
  return fakeRig(Array.from({ length: 16 }, (_, i) => ({ name: `meter-${i + 1}` })));
}

/** An executor whose registration step waits until `open()`: every device is inside a test at once. */
function heldExecutor(): { executor: FakeExecutor; open: () => void } {
  const executor = new FakeExecutor();
  const g = gate();
  executor.when('nms: expect-registration', async () => {
    await g.promise;
    return { status: 'passed' };
  });
  return { executor, open: g.open };
}
