/**
 * The campaign's verdicts, each input judged against the probe before it. The device here is a
 * small model of a meter's state as the probe reads it (uptime, SessionID, counters), driven by
 * a clock the test advances, with a defect chosen per test: it reacts to a TransferRequest
 * without hwInfo (seed 2 sends its first one at input 31: test/harness/fuzz/mutator.test.ts).
 */
import { describe, expect, test } from '@jest/globals';
import { judgeInput, runCampaign, type FuzzTarget } from '../../../harness/fuzz/campaign.js';
import { describeInput, type FuzzInput } from '../../../harness/fuzz/fuzz-input.js';
import { defaultFrames } from '../../../harness/fuzz/mutator.js';
import type { DeviceSnapshot } from '../../../harness/steps/crash-class.js';

type Defect = 'reboots' | 'resets-counters' | 'crashes' | 'none';

const noHwInfo = (input: FuzzInput): boolean => input.kind === 'post' && input.tlvs.some((t) => t.type === 65 && !('hwInfo' in t.fields));

/** A meter as its probe sees it; 1 clock second passes per input. */
function device(defect: Defect, power = true): FuzzTarget & { sent: FuzzInput[]; cycles: number } {
  let clock = 100_000;
  let bootAt = 0;
  let session = 'S1';
  let sessions = 1;
  let alive = true;
  let stats = { sigOk: 0, reqs: 0 };
  const t = {
    sent: [] as FuzzInput[],
    cycles: 0,
    async send(input: FuzzInput): Promise<void> {
      t.sent.push(input);
      clock += 1000;
      if (!alive) return;
      stats = { sigOk: stats.sigOk + 1, reqs: stats.reqs + 1 };
      if (!noHwInfo(input)) return;
      if (defect === 'reboots') {
        bootAt = clock;
        session = `S${++sessions}`;
        stats = { sigOk: 0, reqs: 0 };
      } else if (defect === 'resets-counters') stats = { sigOk: 0, reqs: 0 };
      else if (defect === 'crashes') alive = false;
    },
    async probe(): Promise<DeviceSnapshot | undefined> {
      if (!alive) return undefined;
      return { at: clock, answeredAt: clock, uptimeS: Math.floor((clock - bootAt) / 1000), sessionId: session, stats: { ...stats } };
    },
    ...(power
      ? {
          recover: async (): Promise<DeviceSnapshot | undefined> => {
            t.cycles++;
            alive = true;
            bootAt = clock;
            session = `S${++sessions}`;
            stats = { sigOk: 0, reqs: 0 };
            return t.probe();
          },
        }
      : {}),
  };
  return t;
}

const run = (target: FuzzTarget) => runCampaign(target, { seed: 2, corpus: { frames: defaultFrames() }, budgetMs: 600_000, maxInputs: 32 });

describe('runCampaign: each input judged against the probe before it', () => {
  test('a device that reboots on the input is a rebooted finding, minimised by replay with no power cycle', async () => {
    const d = device('reboots');
    const r = await run(d);
    expect(r.findings.map((f) => [f.kind, f.index, f.minimisedBy, describeInput(f.minimised), f.recovered])).toEqual([['rebooted', 31, 'replay', 'signed POST 65 {}', true]]);
    expect(r.findings[0]!.detail).toMatch(/^the device rebooted after this input: Uptime 0 s, was \d+ s before the test 1 s earlier; SessionID "S\d+", was "S\d+"$/);
    expect(d.cycles).toBe(0);
    expect(r.ended).toBe('inputs');
  });

  test('a device whose counters fall is a degraded finding, its uptime continuous, reported as found', async () => {
    const r = await run(device('resets-counters'));
    expect(r.findings.map((f) => [f.kind, f.index, f.minimisedBy, f.minimised === f.input])).toEqual([['degraded', 31, 'none', true]]);
    expect(r.findings[0]!.detail).toMatch(/^the device degraded after this input: it answers and its uptime is continuous, but CGMSStats went backwards \(sigOk \d+ → 0, reqs \d+ → 0\)$/);
  });

  test('a device that goes silent is crashed, brought back by power and minimised by power cycles', async () => {
    const d = device('crashes');
    const r = await run(d);
    expect(r.findings.map((f) => [f.kind, f.index, f.minimisedBy, describeInput(f.minimised), f.recovered])).toEqual([['crashed', 31, 'power-cycle', 'signed POST 65 {}', true]]);
    // One cycle for the finding, one per candidate that still crashed.
    expect(d.cycles).toBeGreaterThan(1);
    // After a power cycle the device has a fresh boot: the next input is not blamed for it.
    expect(r.findings).toHaveLength(1);
  });

  test('without power control a crash ends the campaign; a reboot does not', async () => {
    const crashed = await run(device('crashes', false));
    expect([crashed.ended, crashed.inputs, crashed.findings.map((f) => [f.kind, f.minimisedBy, f.recovered])]).toEqual(['device lost', 32, [['crashed', 'none', false]]]);
    const rebooted = await run(device('reboots', false));
    expect([rebooted.ended, rebooted.findings.map((f) => [f.kind, f.minimisedBy, f.recovered])]).toEqual(['inputs', [['rebooted', 'replay', true]]]);
  });

  test('a healthy device gives no finding', async () => {
    expect((await run(device('none'))).findings).toEqual([]);
  });
});

describe('judgeInput', () => {
  const before: DeviceSnapshot = { at: 0, answeredAt: 0, uptimeS: 500, sessionId: 'A', stats: { sigOk: 9 } };
  const rebooted: DeviceSnapshot = { at: 10_000, answeredAt: 10_000, uptimeS: 3, sessionId: 'B', stats: { sigOk: 0 } };
  const newSession: DeviceSnapshot = { at: 10_000, answeredAt: 10_000, uptimeS: 510, sessionId: 'B', stats: { sigOk: 10 } };
  const post = (...types: number[]): FuzzInput => ({ kind: 'post', tlvs: types.map((type) => ({ type, fields: {} })) });

  test('a reboot is not held against an input that asked for it (RebootRequest 32, LoadRequest 68)', () => {
    expect(judgeInput(post(32), before, rebooted)).toBeUndefined();
    expect(judgeInput(post(68, 65), before, rebooted)).toBeUndefined();
    expect(judgeInput(post(65), before, rebooted)?.class).toBe('rebooted');
    expect(judgeInput({ kind: 'inject', bytes: Uint8Array.of(0x40) }, before, rebooted)?.class).toBe('rebooted');
  });

  test('a new SessionID is not held against an input that set one (SessionID 7); counters that fell still are', () => {
    expect(judgeInput(post(7), before, newSession)).toBeUndefined();
    expect(judgeInput(post(65), before, newSession)?.message).toBe('the device degraded after this input: it answers and its uptime is continuous, but SessionID "B", was "A" (the session was reset without a reboot)');
    expect(judgeInput(post(7), before, { ...newSession, stats: { sigOk: 1 } })?.class).toBe('degraded');
  });

  test('silence is crashed, or hung when the console is dead too', () => {
    expect(judgeInput(post(65), before, undefined, true)?.message).toBe('the device crashed after this input: radio silent, console still answers (no answer to GET 2,22,7,45, twice)');
    expect(judgeInput(post(65), before, undefined, false)?.class).toBe('hung');
    expect(judgeInput(post(65), before, undefined)?.message).toBe('the device crashed after this input: radio silent (no answer to GET 2,22,7,45, twice)');
  });

  test('no baseline, no answering verdict', () => {
    expect(judgeInput(post(65), undefined, rebooted)).toBeUndefined();
  });
});
