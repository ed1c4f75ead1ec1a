/**
 * Session start on a virtual rig whose meters registered before the run (virtual.startRegistered):
 * as-found probes them at once; re-register power-cycles a meter with power control and sends
 * the others a signed RebootRequest, and waits for their fresh registrations.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRig } from '../../../harness/config/rig.js';
import { Bench } from '../../../harness/steps/bench.js';
import type { DevicePower } from '../../../harness/steps/device-control.js';
import { describeStart, startSession } from '../../../harness/steps/session-start.js';
import { BenchSession } from '../../../harness/steps/session.js';
import type { HookContext } from '../../../harness/runner/executor.js';
import { startRigWithNms, type RigWithNms } from '../../rigs/virtual/support/rig-with-nms.js';

const RIG_FILE = new URL('../../../rigs/virtual.yaml', import.meta.url).pathname;

describe('session start', () => {
  let dir: string;
  let rig: RigWithNms;
  let bench: Bench;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hil-session-'));
    const file = await loadRig(RIG_FILE);
    file.virtual = { ...file.virtual, startRegistered: { reportInterval: 60 } };
    rig = await startRigWithNms(file, dir);
    // meter-4's power control is the board's own switch (what its power socket drives).
    const board = rig.sim.meters.get('meter-4')!.board;
    const power: DevicePower = {
      async switch(op) {
        if (op === 'cycle') board.power.cycle();
        else if (op === 'on') board.power.on();
        else board.power.off();
      },
    };
    bench = new Bench({ rig: rig.rig, nms: rig.nms, clock: rig.sim.clock, timeScale: rig.sim.clock.scale, powers: new Map([['meter-4', power]]) });
  }, 60_000);
  afterAll(async () => {
    await rig?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('as-found: every meter is Up from an answered probe, before any report', async () => {
    const starts = await startSession(bench, 'as-found', ['meter-1', 'meter-2']);
    expect(starts).toEqual([
      { device: 'meter-1', policy: 'as-found', how: 'probe', ok: true, state: 'up', reportIntervalS: 60, reportIntervalSource: 'device' },
      { device: 'meter-2', policy: 'as-found', how: 'probe', ok: true, state: 'up', reportIntervalS: 60, reportIntervalSource: 'device' },
    ]);
    expect(rig.nms.devices.require('meter-1').registrationCount).toBe(0);
    expect(describeStart(starts[0]!)).toBe('session start as-found: meter-1 probed (GET TLV 13): ok, up, report interval 60 s (device)');
  }, 60_000);

  test('re-register: a power cycle where there is power, a signed RebootRequest elsewhere, each ending in a registration this NMS answered', async () => {
    const starts = await startSession(bench, 're-register', ['meter-3', 'meter-4']);
    expect(starts.map((s) => [s.device, s.how, s.ok, s.state, s.reportIntervalSource])).toEqual([
      ['meter-3', 'reboot-request', true, 'up', 'registration'],
      ['meter-4', 'power-cycle', true, 'up', 'registration'],
    ]);
    // The meter's own count: on a loaded machine a POST /r retransmitted before the 2.03 arrives is
    // answered twice by the NMS, still one registration.
    for (const d of ['meter-3', 'meter-4']) expect(rig.sim.meters.get(d)!.agent.stats.regSucceed).toBe(1);
  }, 60_000);

  test('a suite that needs a fresh registration gets one before its first test on an as-found start, once, and the test log says how', async () => {
    const SUITE = 'suites/1-registration.yaml';
    const session = new BenchSession(bench, {}, { policy: 'as-found', suiteFiles: new Set([SUITE]) });
    const logs: string[] = [];
    const ctx = (file: string, name: string): HookContext =>
      ({ rig: rig.rig, testCase: { suite: { name, branch: name, file } }, signal: new AbortController().signal, log: (l: string) => logs.push(l), attach: () => undefined }) as unknown as HookContext;
    const device = (name: string) => rig.rig.devices.find((d) => d.name === name)!;
    expect(rig.nms.devices.require('meter-2').registrationCount).toBe(0);

    await session.setup(device('meter-2'), ctx(SUITE, 'registration'));
    await session.setup(device('meter-2'), ctx(SUITE, 'registration'));
    await session.setup(device('meter-2'), ctx('suites/8-firewall.yaml', 'firewall'));
    await session.setup(device('meter-3'), ctx(SUITE, 'registration'));
    expect(rig.sim.meters.get('meter-2')!.agent.stats.regSucceed).toBe(1);
    expect(logs.length).toBe(2);
    expect(logs[0]).toBe('fresh registration for suite registration: meter-2 sent a signed RebootRequest: ok, up, report interval 900 s (registration)');
    // 1, or 2 when a retransmitted POST /r was answered again on a loaded machine.
    expect(logs[1]).toMatch(/^fresh registration for suite registration: meter-3 already registered with this NMS \([12] registration\(s\) answered\)$/);
  }, 60_000);
});
