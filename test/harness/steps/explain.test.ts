import { describe, expect, test } from '@jest/globals';
import { memoryBenchPerTest, registrationSuite } from './support/memory-bench.js';
import { runOnMemory } from './support/run-memory.js';

const openBench = memoryBenchPerTest();

describe('failures name the flowchart branch', () => {
  test('a meter whose clock is 2 h ahead: branch, evidence and fix in the failure', async () => {
    const mb = await openBench({ meters: 1, clockSkewMs: { 'meter-1': 2 * 3600_000 } });
    const res = await runOnMemory(mb, [
      registrationSuite(`  - name: boot
    steps:
      - power: cycle
      - expect-state: { state: up, within: 2m }
`),
    ]);
    const f = res.get('s @ meter-1 › boot')!.result.failure!;
    expect(f.message).toMatch(/meter-1 is registering, not up, after 2m — flowchart branch clock-skew: device clock skewed: NMS signatures rejected/);
    expect(f.likelyCause).toMatch(/^clock-skew: The device clock is 7[0-9]{3} s ahead of the NMS, outside the SignatureValidity window \(-600 s \.\. \+3600 s\)/);
    expect(f.fix).toMatch(/time synchronized/);
    expect(f.seen).toMatch(/evidence \(troubleshooting flowchart\):\n {2}NMS device state: registering/);
    expect(f.seen).toMatch(/GET 45 CGMSStats: 2\.05: sigOk 0, sigBadAuth 0, sigBadValidity [1-9]/);
  });
});

describe('a faulty meter: what the firmware did wrong', () => {
  test('an answer sent to the configured NMS address instead of the requester is found on the wire', async () => {
    const mb = await openBench({ meters: 1, faults: { 'meter-1': ['reply-to-nms-address'] } });
    const res = await runOnMemory(mb, [registrationSuite(`  - name: get\n    steps:\n      - reply-from: vip\n      - get: 18\n`)], {}, { requestTimeoutMs: 300 });
    const f = res.get('s @ meter-1 › get')!.result.failure!;
    expect(f.message).toBe('step 2 (get: 18): GET 18: meter-1 answered, but to [fd00::1]:61628 instead of [fd00::2]:62590 where the request came from');
    expect(f.seen).toMatch(/^the device sent ACK 2\.05 \(MID \d+\) from \[fd00:77::101\]:61628 to \[fd00::1\]:61628$/);
    expect(f.likelyCause).toMatch(/load-balancer VIP case/);
  });
});

describe('a port shared with another process (issue 14 item 7)', () => {
  test('an unanswered request says the port was found shared when the run began', async () => {
    const mb = await openBench({ meters: 1 });
    const link = mb.rig.devices[0]!.link;
    mb.bench.sharedPorts.set(link, `/dev/ttyUSB0 (link ${link}) is also open in minicom (pid 4242, user lab): it can read or write frames meant for the harness`);
    const res = await runOnMemory(mb, [registrationSuite(`  - name: get\n    steps:\n      - power: off\n      - get: 18\n`)], {}, { requestTimeoutMs: 300 });
    const f = res.get('s @ meter-1 › get')!.result.failure!;
    expect(f.message).toMatch(/^step 2 \(get: 18\): GET 18: no answer from meter-1 within \S+ \(warning: port shared\)/);
    expect(f.seen!.split('\n')[0]).toBe(`nothing from the device on the link; warning: /dev/ttyUSB0 (link ${link}) is also open in minicom (pid 4242, user lab): it can read or write frames meant for the harness`);
  });
});
