import { describe, expect, test } from '@jest/globals';
import { CsmpStepExecutor } from '../../../../harness/steps/executor.js';
import { contextFor, memoryBenchPerTest, registrationSuite, suiteOf } from '../support/memory-bench.js';

const openBench = memoryBenchPerTest();

describe('console steps on the board model\'s CLI', () => {
  test('the command goes to the board, its answer to the step log and the journal', async () => {
    const mb = await openBench({ meters: 1 });
    const ex = new CsmpStepExecutor(mb.bench, { diagnoseOnFailure: false });
    const s = suiteOf(registrationSuite('  - name: t\n    steps:\n      - console: demo-mode on\n'));
    const ctx = contextFor(mb, s, 'meter-1');
    expect(await ex.execute(s.tests[0]!.steps[0]!, ctx)).toEqual({ status: 'passed' });
    expect(ctx.logs).toEqual(['console> demo on', 'console< DemoMode_Cfg/DemoModeEnable = true']);
    expect(mb.bench.journal('meter-1').console).toEqual(['demo on']);
    expect(mb.meters.get('meter-1')!.board.flash.read().config.demoMode).toBe(true);
  });
});

describe('step errors are the bench\'s, not the device\'s', () => {
  test('a console capability the board model has no template for', async () => {
    const mb = await openBench({ meters: 1 });
    const ex = new CsmpStepExecutor(mb.bench);
    const s = suiteOf(registrationSuite('  - name: t\n    steps:\n      - console: frobnicate now\n'));
    const out = await ex.execute(s.tests[0]!.steps[0]!, contextFor(mb, s, 'meter-1'));
    expect(out.status).toBe('error');
    expect(out.message).toMatch(/console\.commands has no 'frobnicate' template \(has: clock-set, /);
  });

  test('a board that refuses the command fails the step and says which rig entry to check', async () => {
    const mb = await openBench({ meters: 1 });
    const ex = new CsmpStepExecutor(mb.bench, { diagnoseOnFailure: false });
    const s = suiteOf(registrationSuite('  - name: t\n    steps:\n      - console: clock-set soon\n'));
    const out = await ex.execute(s.tests[0]!.steps[0]!, contextFor(mb, s, 'meter-1'));
    expect(out.status).toBe('failed');
    expect(out.message).toBe("the board refused 'date offset soon'");
    expect(out.fix).toMatch(/console\.commands\.clock-set of device 'meter-1' in memory\.rig\.yaml/);
  });
});
