import { describe, expect, test } from '@jest/globals';
import { memoryBenchPerTest, registrationSuite } from '../support/memory-bench.js';
import { reportText, runOnMemory } from '../support/run-memory.js';

const openBench = memoryBenchPerTest();

describe('expect-diagnosis', () => {
  test('expect-diagnosis reads the configuration XML through the console', async () => {
    const mb = await openBench({ meters: 1 });
    const res = await runOnMemory(mb, [
      registrationSuite(`  - name: demo
    steps:
      - expect-state: { state: up, within: 2m }
      - console: demo-mode on
      - expect-diagnosis: demo-mode
      - console: demo-mode off
      - expect-diagnosis: healthy
`),
    ]);
    const r = res.get('s @ meter-1 › demo')!;
    expect(r.result.status).toBe('passed');
    const text = reportText(r);
    expect(text).toContain('evidence: console configuration DemoMode_Cfg/DemoModeEnable: true');
    expect(text).toContain('flowchart: demo-mode: meter left in demo mode; contact the meter vendor. The meter runs in demo mode (DevCfgSchema DemoMode_Cfg/DemoModeEnable = true).');
    // The first line is the health check's Enter at the prompt, before the device's first test.
    expect(mb.meters.get('meter-1')!.console.lines).toEqual(['', 'demo on', 'show config', 'demo off', 'show config']);
  });

  test('a mismatching diagnosis says where the flowchart went instead', async () => {
    const mb = await openBench({ meters: 1 });
    const res = await runOnMemory(mb, [
      registrationSuite(`  - name: cert
    steps:
      - expect-state: { state: up, within: 2m }
      - expect-diagnosis: { branch: nms-cert, otherwise: no damage }
`),
    ]);
    const f = res.get('s @ meter-1 › cert')!.result.failure!;
    expect(f.message).toBe('step 2 (expect-diagnosis: nms-cert): the flowchart ends in healthy: no fault found: the device is up and every check passed — expected nms-cert');
    expect(f.expected).toBe('nms-cert: NMS certificate on the meter is bad or was copied wrongly');
    expect(f.likelyCause).toBe('no damage');
  });
});
