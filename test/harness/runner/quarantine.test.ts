import { describe, expect, test } from '@jest/globals';
import { Run } from '../../../harness/runner/run.js';
import { exitCodeFor } from '../../../harness/runner/exit-code.js';
import type { DeviceSession, Liveness } from '../../../harness/runner/executor.js';
import { FakeExecutor } from './support/fake-executor.js';
import { fakeRig, suite } from './support/fixtures.js';
import { RecordingReporter } from './support/recording-reporter.js';

const twoTests = suite('basic', 'tests:', '  - { name: one, steps: [ { get: 2 } ] }', '  - { name: two, steps: [ { get: 75 } ] }');

function session(verdicts: Record<string, Liveness[]>): DeviceSession & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    liveness: async (device, ctx, when) => {
      asked.push(`${device.name} ${when} ${ctx.testCase.name}`);
      return verdicts[device.name]?.shift() ?? { alive: true };
    },
  };
}

describe('health and quarantine', () => {
  test('a device failing its health check is a rig fault: its tests are not run, the others are, and a run with only rig faults exits 3', async () => {
    const executor = new FakeExecutor();
    const s = session({ 'meter-2': [{ alive: false, evidence: 'silent: no answer to GET 2 (DeviceID) within 4 s' }] });
    const reporter = new RecordingReporter();
    const run = new Run({ rig: fakeRig([{ name: 'meter-1' }, { name: 'meter-2' }]), suites: [twoTests], executor, session: s, reporter });
    const summary = await run.start();
    expect(executor.calls.map((c) => `${c.device} ${c.test}`)).toEqual(['meter-1 one', 'meter-1 two']);
    const results = [...run.results().values()].map((r) => r[0]!).filter((r) => r.failure);
    expect(results.map((r) => [r.status, r.failure])).toEqual([
      ['error', { kind: 'rig-fault', message: 'not run (rig fault): meter-2 failed its health check: silent: no answer to GET 2 (DeviceID) within 4 s' }],
      ['error', { kind: 'rig-fault', message: 'not run (rig fault): meter-2 failed its health check: silent: no answer to GET 2 (DeviceID) within 4 s' }],
    ]);
    // Health once per device; after-test probes only for tests that did not pass.
    expect(s.asked).toEqual(['meter-1 health one', 'meter-2 health one']);
    expect(summary.rigFaultOnly).toBe(true);
    expect(exitCodeFor(summary)).toBe(3);
  });

  test('a device lost after a failed test ends its remaining tests at once, and a firmware failure keeps exit 1', async () => {
    const executor = new FakeExecutor();
    executor.when('get: 2', async () => ({ status: 'failed', message: 'GET 2: no answer' }));
    const s = session({ 'meter-1': [{ alive: true }, { alive: false, evidence: 'silent; power-cycled once: still silent' }] });
    const run = new Run({ rig: fakeRig([{ name: 'meter-1' }]), suites: [twoTests], executor, session: s });
    const summary = await run.start();
    expect(executor.calls.map((c) => c.test)).toEqual(['one']);
    const [one, two] = [...run.results().values()].map((r) => r[0]!);
    expect(one!.status).toBe('failed');
    expect(two!.failure).toEqual({ kind: 'rig-fault', message: 'device lost since basic › one: silent; power-cycled once: still silent' });
    expect(summary.rigFaultOnly).toBeUndefined();
    expect(exitCodeFor(summary)).toBe(1);
  });

  test('a robustness test after which the device had to be power-cycled fails as a crash', async () => {
    const robust = suite('robustness', 'tests:', '  - { name: bad input, steps: [ { get: 2 } ] }');
    const s = session({ m: [{ alive: true }, { alive: true, cycled: 'silent: no answer to GET 2; power-cycled once: answers again after 900 ms' }] });
    const run = new Run({ rig: fakeRig([{ name: 'm' }]), suites: [robust], executor: new FakeExecutor(), session: s });
    await run.start();
    const [r] = [...run.results().values()].map((x) => x[0]!);
    expect(r!.status).toBe('failed');
    expect(r!.failure!.message).toBe('the device crashed: silent: no answer to GET 2; power-cycled once: answers again after 900 ms');
  });

  test('--probe-after-post guards every test: baseline before its steps, judge after them, and the verdict is the failure', async () => {
    const executor = new FakeExecutor();
    const calls: string[] = [];
    const s: DeviceSession = {
      baseline: async (device, ctx) => void calls.push(`baseline ${ctx.testCase.name}`),
      judge: async (device, ctx) => void calls.push(`judge ${ctx.testCase.name}`),
      liveness: async (_device, ctx, when) =>
        when === 'after-test' && ctx.testCase.name === 'two' ? { alive: true, verdict: 'the device rebooted after this input: Uptime 4 s, was 312 s before the test 10 s earlier; detected in 3 ms' } : { alive: true },
    };
    const run = new Run({ rig: fakeRig([{ name: 'm' }]), suites: [twoTests], executor, session: s, options: { probeAfterPost: true } });
    await run.start();
    expect(calls).toEqual(['baseline one', 'judge one', 'baseline two', 'judge two']);
    const [one, two] = [...run.results().values()].map((r) => r[0]!);
    expect(one!.status).toBe('passed');
    expect([two!.status, two!.failure?.message]).toEqual(['failed', 'the device rebooted after this input: Uptime 4 s, was 312 s before the test 10 s earlier; detected in 3 ms']);
  });

  test('without --probe-after-post a basic suite is not guarded', async () => {
    const calls: string[] = [];
    const s: DeviceSession = { baseline: async () => void calls.push('baseline'), judge: async () => void calls.push('judge'), liveness: async () => ({ alive: true }) };
    await new Run({ rig: fakeRig([{ name: 'm' }]), suites: [twoTests], executor: new FakeExecutor(), session: s }).start();
    expect(calls).toEqual([]);
  });
});
