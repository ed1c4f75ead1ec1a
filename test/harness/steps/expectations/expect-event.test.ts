import { describe, expect, test } from '@jest/globals';
import { CsmpStepExecutor } from '../../../../harness/steps/executor.js';
import { contextFor, memoryBenchPerTest, registrationSuite, suiteOf } from '../support/memory-bench.js';

const openBench = memoryBenchPerTest();

describe('step errors are the bench\'s, not the device\'s', () => {
  test('an event name the NMS does not know', async () => {
    const mb = await openBench({ meters: 1 });
    const ex = new CsmpStepExecutor(mb.bench);
    const s = suiteOf(registrationSuite('  - name: t\n    steps:\n      - expect-event: { name: nosuch, within: 1s }\n'));
    const ev = await ex.execute(s.tests[0]!.steps[0]!, contextFor(mb, s, 'meter-1'));
    expect(ev).toMatchObject({ status: 'error' });
    expect(ev.message).toMatch(/no event named 'nosuch'/);
  });
});

describe('expect-event after: counting only what the device did after it said it knew', () => {
  const step = (after: string) =>
    suiteOf(registrationSuite(`  - name: t\n    steps:\n      - expect-event: { name: registrationRejected, count: 2, spanning: 10s, after: ${after}, within: 1m }\n`));

  async function history(mb: Awaited<ReturnType<typeof openBench>>, afterSecond: number): Promise<void> {
    const rec = (name: 'registrationRejected' | 'csmpNotification') => mb.nms.events.record({ name, message: name, device: 'meter-1' });
    // Two attempts on the wire before the meter read the first 4.03, then its two notifications.
    rec('registrationRejected');
    rec('registrationRejected');
    rec('csmpNotification');
    rec('registrationRejected');
    rec('csmpNotification');
    for (let i = 0; i < afterSecond; i++) {
      if (i > 0) await mb.bench.sleep(12_000, new AbortController().signal);
      rec('registrationRejected');
    }
  }

  test('two attempts 12 s apart after the second notification pass', async () => {
    const mb = await openBench({ meters: 1 });
    const s = step('{ name: csmpNotification, count: 2 }');
    const running = new CsmpStepExecutor(mb.bench).execute(s.tests[0]!.steps[0]!, contextFor(mb, s, 'meter-1'));
    await history(mb, 2);
    const ev = await running;
    expect(ev.status).toBe('passed');
    // At least the 12 s slept on the rig clock (600× real time: the test itself adds some).
    expect(ev.message).toMatch(/^2 over \S+, the last registrationRejected \(90003, MAJOR\): registrationRejected$/);
  });

  test('the attempts before it do not count: one after it fails with what was seen after it', async () => {
    const mb = await openBench({ meters: 1 });
    const s = step('{ name: csmpNotification, count: 2 }');
    const running = new CsmpStepExecutor(mb.bench).execute(s.tests[0]!.steps[0]!, contextFor(mb, s, 'meter-1'));
    await history(mb, 1);
    const ev = await running;
    expect([ev.status, ev.message]).toEqual(['failed', 'expected 2 registrationRejected events spanning 10s after the 2nd csmpNotification for meter-1 within 1m, saw 1, at +0ms']);
  });

  test('after: NAME counts from the first; fewer notifications than asked is its own failure', async () => {
    const mb = await openBench({ meters: 1 });
    const s = step('{ name: csmpNotification, count: 2 }');
    const running = new CsmpStepExecutor(mb.bench).execute(s.tests[0]!.steps[0]!, contextFor(mb, s, 'meter-1'));
    mb.nms.events.record({ name: 'csmpNotification', message: 'n', device: 'meter-1' });
    const ev = await running;
    expect([ev.status, ev.message]).toEqual(['failed', '1 of 2 csmpNotification events for meter-1 within 1m: nothing to count registrationRejected after']);
    const one = step('csmpNotification');
    const running1 = new CsmpStepExecutor(mb.bench).execute(one.tests[0]!.steps[0]!, contextFor(mb, one, 'meter-1'));
    mb.nms.events.record({ name: 'csmpNotification', message: 'n', device: 'meter-1' });
    const ev1 = await running1;
    expect([ev1.status, ev1.message]).toEqual(['failed', 'expected 2 registrationRejected events spanning 10s after the first csmpNotification for meter-1 within 1m, saw none']);
  });
});

// Events the bench's own meter never sends (it registers and reports on its own): only the test's count.
describe('expect-event atMost with after: counted from the mark, not from the test start', () => {
  const step = (after: string) =>
    suiteOf(registrationSuite(`  - name: t\n    steps:\n      - expect-event: { name: registrationRejected, after: ${after}, atMost: 1, within: 2m }\n`));
  const rec = (mb: Awaited<ReturnType<typeof openBench>>, name: 'registrationRejected' | 'csmpNotification') => mb.nms.events.record({ name, message: name, device: 'meter-1' });

  test('the events before the mark do not count; one straggler after it is allowed', async () => {
    const mb = await openBench({ meters: 1 });
    const s = step('csmpNotification');
    const running = new CsmpStepExecutor(mb.bench).execute(s.tests[0]!.steps[0]!, contextFor(mb, s, 'meter-1'));
    rec(mb, 'registrationRejected');
    rec(mb, 'registrationRejected');
    rec(mb, 'registrationRejected');
    rec(mb, 'csmpNotification');
    rec(mb, 'registrationRejected');
    const ev = await running;
    expect([ev.status, ev.message]).toEqual(['passed', '1 registrationRejected event(s) for meter-1 after csmpNotification, at most 1']);
  });

  test('two after it fail, naming the mark (without after, the three before would have failed it too)', async () => {
    const mb = await openBench({ meters: 1 });
    const s = step('csmpNotification');
    const running = new CsmpStepExecutor(mb.bench).execute(s.tests[0]!.steps[0]!, contextFor(mb, s, 'meter-1'));
    rec(mb, 'csmpNotification');
    rec(mb, 'registrationRejected');
    rec(mb, 'registrationRejected');
    const ev = await running;
    expect(ev.status).toBe('failed');
    expect(ev.message).toMatch(/^2 registrationRejected events for meter-1 after csmpNotification in \S+ \(\d+\/min\), expected at most 1$/);
  });

  test('no mark within the window: nothing to count after, a failure', async () => {
    const mb = await openBench({ meters: 1 });
    const s = step('{ name: csmpNotification, count: 2 }');
    const running = new CsmpStepExecutor(mb.bench).execute(s.tests[0]!.steps[0]!, contextFor(mb, s, 'meter-1'));
    rec(mb, 'csmpNotification');
    const ev = await running;
    expect([ev.status, ev.message]).toEqual(['failed', '1 of 2 csmpNotification events for meter-1 within 2m: nothing to count registrationRejected after']);
  });
});
