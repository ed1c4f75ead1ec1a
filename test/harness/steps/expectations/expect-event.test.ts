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
