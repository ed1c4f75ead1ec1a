import { describe, expect, test } from '@jest/globals';
import { memoryBenchPerTest, registrationSuite } from './support/memory-bench.js';
import { reportText, runOnMemory } from './support/run-memory.js';

const openBench = memoryBenchPerTest();

describe('a healthy meter through the real scheduler', () => {
  test('registers anew after a power cycle: state, event and counters of this boot', async () => {
    const mb = await openBench({ meters: 1 });
    const res = await runOnMemory(mb, [
      registrationSuite(`  - name: boot
    steps:
      - power: cycle
      - nms: expect-registration
      - expect-state: { state: up, within: 2m }
      - expect-event: { name: registrationSuccess, within: 1m }
      - expect-counter: { tlv: 45, field: sigOk, increases: true }
      - expect-counter: { tlv: 45, field: regSucceed, increases: true }
      - expect-counter: { tlv: 45, field: sigBadAuth, increases: false }
`),
    ]);
    const r = res.get('s @ meter-1 › boot')!;
    expect(reportText(r)).toContain('tlv 45 sigOk: 0 (from the restart this test asked for) → 1');
    expect(r.result.status).toBe('passed');
  });

  test('a state from before a power step does not count, and restore switches the board on again', async () => {
    const mb = await openBench({ meters: 1 });
    const res = await runOnMemory(mb, [
      registrationSuite(`  - name: off
    steps:
      - expect-state: { state: up, within: 2m }
      - power: off
      - expect-state: { state: up, within: 1m }
  - name: next
    steps:
      - expect-state: { state: up, within: 2m }
`),
    ]);
    const off = res.get('s @ meter-1 › off')!;
    expect(off.result.status).toBe('failed');
    expect(off.result.failure!.message).toMatch(/step 3 \(expect-state: up within 1m\): meter-1 is up \(not anew since the power step\), not up, after 1m/);
    expect(res.get('s @ meter-1 › next')!.result.status).toBe('passed');
    expect(mb.meters.get('meter-1')!.power.switched).toEqual(['off', 'on']);
  });

  test('rows, dotted fields and rig values; a miss reports expected, seen and the suite\'s meaning', async () => {
    const mb = await openBench({ meters: 1 });
    const res = await runOnMemory(mb, [
      registrationSuite(`  - name: fw
    steps:
      - get: 75
      - expect: { tlv: 75, row: { isRunning: true }, field: version, equals: "\${expected.firmwareVersion}" }
      - expect: { tlv: 75, row: { isDefault: true }, field: hwInfo.hwId, equals: "\${expected.hwId}" }
      - expect: { tlv: 58, row: { type: 2 }, field: id, equals: "\${expected.firmwareGroup}" }
      - expect: { tlv: 75, row: { isRunning: true }, field: version, equals: "9.9.9", otherwise: the meter runs the wrong image }
`),
    ]);
    const r = res.get('s @ meter-1 › fw')!;
    expect(r.result.status).toBe('failed');
    const f = r.result.failure!;
    expect(f.message).toBe('step 5 (expect: tlv 75 {isRunning: true} version equals "9.9.9"): tlv 75 {isRunning=true} version is "5.6.21", expected equals "9.9.9"');
    expect(f.expected).toBe('tlv 75 {isRunning=true} version equals "9.9.9"');
    expect(f.seen).toMatch(/^"5\.6\.21" \(GET 75 → 2\.05: \[75\/FirmwareImageInfo\]: \{index: 1,/);
    expect(f.likelyCause).toBe('the meter runs the wrong image');
    expect(f.fix).toMatch(/^Firmware defect/);
    // The three before it passed, and read TLV 58 on their own.
    expect(r.result.steps.filter((s) => s.status === 'passed').map((s) => s.text)).toContain('expect: tlv 58 {type: 2} id equals "${expected.firmwareGroup}"');
    expect(reportText(r)).toContain('tlv 58 {type=2} id = 317');
  });

  test('expect-reply judges the answer; without it a refused POST fails the post', async () => {
    const mb = await openBench({ meters: 1 });
    const res = await runOnMemory(mb, [
      registrationSuite(`  - name: checked
    steps:
      - post: { tlvs: { "55": { type: 2, id: 317 } }, signed: false }
      - expect-reply: 4.03
      - post: { tlvs: { "55": { type: 2, id: 317 } }, signed: true }
      - expect-reply: { code: "2.01" }
  - name: unchecked
    steps:
      - post: { tlvs: { "55": { type: 2, id: 317 } }, signed: false }
`),
    ]);
    expect(res.get('s @ meter-1 › checked')!.result.status).toBe('passed');
    const u = res.get('s @ meter-1 › unchecked')!.result;
    expect(u.status).toBe('failed');
    expect(u.failure!.message).toMatch(/^step 1 \(post: tlv 55\): CON POST 55 unsigned refused: 4\.03/);
  });

  test('expect-state for: fails when the device leaves the state in time', async () => {
    const mb = await openBench({ meters: 1 });
    const res = await runOnMemory(mb, [
      registrationSuite(`  - name: stays
    steps:
      - expect-state: { state: up, within: 2m }
      - firewall: drop inbound
      - expect-state: { state: up, within: 1m, for: 10m, otherwise: reports stopped }
`),
    ]);
    const f = res.get('s @ meter-1 › stays')!.result.failure!;
    expect(f.message).toMatch(/meter-1 left up for down \(3 report intervals of 60 s without a report\) before 10m had passed/);
    expect(f.likelyCause).toBe('reports stopped');
  });
});

describe('devices in parallel do not disturb each other', () => {
  test("one meter's firewall and request address leave the other alone, and are undone after the test", async () => {
    const mb = await openBench({ meters: 2 });
    const res = await runOnMemory(mb, [
      `suite: fw\nbranch: firewall\ntests:\n  - name: block\n    steps:\n      - expect-state: { state: up, within: 2m }\n      - reply-from: vip\n      - firewall: drop inbound\n      - expect-state: { state: down, within: 10m }\n      - expect-diagnosis: firewall\n`,
    ], { device: ['meter-1'] });
    expect(res.get('fw @ meter-1 › block')!.result.status).toBe('passed');
    const other = mb.nms.devices.require('meter-2');
    expect(other.state).toBe('up');
    expect(other.transitions.map((t) => t.to)).not.toContain('down');
    // Restored by the session: open again, requests from fnd.
    expect(mb.bench.firewall.stateFor('fd00:77::101')).toEqual({ inbound: false, outbound: false, droppedInbound: 0, droppedOutbound: 0, droppedFrom: {} });
    expect(mb.bench.sources.addressFor('meter-1')).toBe('fd00::1');
  });

  test('answers arriving at the other NMS address are a load-balancer diagnosis for that device only', async () => {
    const mb = await openBench({ meters: 2 });
    const res = await runOnMemory(mb, [
      `suite: lb\nbranch: load-balancer\ntests:\n  - name: vip\n    steps:\n      - expect-state: { state: up, within: 2m }\n      - reply-from: vip\n      - post: { tlvs: { "55": { type: 2, id: 317 } }, signed: true, confirmable: false }\n      - expect-diagnosis: load-balancer\n  - name: after\n    steps:\n      - expect-diagnosis: healthy\n`,
    ]);
    for (const d of ['meter-1', 'meter-2']) {
      expect(res.get(`lb @ ${d} › vip`)!.result.status).toBe('passed');
      // The next test's window starts after the misrouted answer: no load-balancer verdict left over.
      expect(res.get(`lb @ ${d} › after`)!.result.status).toBe('passed');
    }
  });
});
