import { afterEach, describe, expect, test } from '@jest/globals';
import { CsmpStepExecutor } from '../../../harness/steps/executor.js';
import { contextFor, memoryBench, suiteOf, type MemoryBench } from './support/memory-bench.js';
import { reportText, runOnMemory } from './support/run-memory.js';

let mb: MemoryBench | undefined;
afterEach(async () => {
  await mb?.stop();
  mb = undefined;
});

const suite = (tests: string, extra = ''): string => `suite: s\nbranch: registration\n${extra}tests:\n${tests}`;

describe('a healthy meter through the real scheduler', () => {
  test('registers anew after a power cycle: state, event and counters of this boot', async () => {
    mb = await memoryBench({ meters: 1 });
    const res = await runOnMemory(mb, [
      suite(`  - name: boot
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
    expect(reportText(r)).toContain('tlv 45 sigOk: 0 (not read before in this test) → 1');
    expect(r.result.status).toBe('passed');
  });

  test('a state from before a power step does not count, and restore switches the board on again', async () => {
    mb = await memoryBench({ meters: 1 });
    const res = await runOnMemory(mb, [
      suite(`  - name: off
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
    mb = await memoryBench({ meters: 1 });
    const res = await runOnMemory(mb, [
      suite(`  - name: fw
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
    mb = await memoryBench({ meters: 1 });
    const res = await runOnMemory(mb, [
      suite(`  - name: checked
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
    mb = await memoryBench({ meters: 1 });
    const res = await runOnMemory(mb, [
      suite(`  - name: stays
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

describe('failures name the flowchart branch', () => {
  test('a meter whose clock is 2 h ahead: branch, evidence and fix in the failure', async () => {
    mb = await memoryBench({ meters: 1, clockSkewMs: { 'meter-1': 2 * 3600_000 } });
    const res = await runOnMemory(mb, [
      suite(`  - name: boot
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

  test('expect-diagnosis reads the configuration XML through the console', async () => {
    mb = await memoryBench({ meters: 1 });
    const res = await runOnMemory(mb, [
      suite(`  - name: demo
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
    expect(mb.meters.get('meter-1')!.console.lines).toEqual(['demo on', 'show config', 'demo off', 'show config']);
  });

  test('a mismatching diagnosis says where the flowchart went instead', async () => {
    mb = await memoryBench({ meters: 1 });
    const res = await runOnMemory(mb, [
      suite(`  - name: cert
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

describe('devices in parallel do not disturb each other', () => {
  test("one meter's firewall and request address leave the other alone, and are undone after the test", async () => {
    mb = await memoryBench({ meters: 2 });
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
    mb = await memoryBench({ meters: 2 });
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

describe('a faulty meter: what the firmware did wrong', () => {
  test('an answer sent to the configured NMS address instead of the requester is found on the wire', async () => {
    mb = await memoryBench({ meters: 1, faults: { 'meter-1': ['reply-to-nms-address'] } });
    const res = await runOnMemory(mb, [suite(`  - name: get\n    steps:\n      - reply-from: vip\n      - get: 18\n`)], {}, { requestTimeoutMs: 300 });
    const f = res.get('s @ meter-1 › get')!.result.failure!;
    expect(f.message).toBe('step 2 (get: 18): GET 18: meter-1 answered, but to [fd00::1]:61628 instead of [fd00::2]:62590 where the request came from');
    expect(f.seen).toMatch(/^the device sent ACK 2\.05 \(MID \d+\) from \[fd00:77::101\]:61628 to \[fd00::1\]:61628$/);
    expect(f.likelyCause).toMatch(/load-balancer VIP case/);
  });
});

describe('raw frames and waits', () => {
  test('inject sends the bytes as a datagram from the NMS; wait lets rig time pass', async () => {
    mb = await memoryBench({ meters: 1 });
    const frames: string[] = [];
    mb.link.on('frame', (f: { direction: string; ipv6: Uint8Array }) => frames.push(`${f.direction} ${Buffer.from(f.ipv6.subarray(48, 50)).toString('hex')}`));
    const ex = new CsmpStepExecutor(mb.bench);
    // CON GET /c?q=18, MID 0x1234: the meter answers ACK 2.05 (60 45) with the same MID.
    const s = suiteOf(suite('  - name: t\n    steps:\n      - inject: { hex: "40 01 12 34 b1 63 44 71 3d 31 38" }\n      - wait: 1m\n'));
    const ctx = contextFor(mb, s, 'meter-1');
    expect(await ex.execute(s.tests[0]!.steps[0]!, ctx)).toEqual({ status: 'passed' });
    const before = mb.clock.now();
    expect(await ex.execute(s.tests[0]!.steps[1]!, ctx)).toEqual({ status: 'passed' });
    expect(mb.clock.now() - before).toBeGreaterThanOrEqual(60_000);
    expect(frames).toContain('out 4001');
    expect(frames).toContain('in 6045');
    expect(ctx.logs).toEqual(['injected 11 bytes (coap) toward meter-1']);
  });
});

describe('step errors are the bench\'s, not the device\'s', () => {
  test('a console capability the board model has no template for', async () => {
    mb = await memoryBench({ meters: 1 });
    const ex = new CsmpStepExecutor(mb.bench);
    const s = suiteOf(suite('  - name: t\n    steps:\n      - console: frobnicate now\n      - expect-event: { name: nosuch, within: 1s }\n'));
    const ctx = contextFor(mb, s, 'meter-1');
    const out = await ex.execute(s.tests[0]!.steps[0]!, ctx);
    expect(out.status).toBe('error');
    expect(out.message).toMatch(/console\.commands has no 'frobnicate' template \(has: clock-set, /);
    const ev = await ex.execute(s.tests[0]!.steps[1]!, ctx);
    expect(ev).toMatchObject({ status: 'error' });
    expect(ev.message).toMatch(/no event named 'nosuch'/);
  });

  test('a board that refuses the command fails the step and says which rig entry to check', async () => {
    mb = await memoryBench({ meters: 1 });
    const ex = new CsmpStepExecutor(mb.bench, { diagnoseOnFailure: false });
    const s = suiteOf(suite('  - name: t\n    steps:\n      - console: clock-set soon\n'));
    const out = await ex.execute(s.tests[0]!.steps[0]!, contextFor(mb, s, 'meter-1'));
    expect(out.status).toBe('failed');
    expect(out.message).toBe("the board refused 'date offset soon'");
    expect(out.fix).toMatch(/console\.commands\.clock-set of device 'meter-1' in memory\.rig\.yaml/);
  });
});
