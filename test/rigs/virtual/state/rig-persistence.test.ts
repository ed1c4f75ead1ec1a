/**
 * The virtual rig keeps its boards between runs (issue 15): stop saves each meter in
 * .hil-state/<rig>/ beside the rig file and the next start resumes it, as a lab's rack left
 * powered. Real ptys and power sockets; the meters run at the rig's time scale.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRig } from '../../../../harness/config/rig.js';
import { AgentCrash } from '../../../../rigs/virtual/meter/device-time.js';
import { VirtualRig, type VirtualRigOptions } from '../../../../rigs/virtual/rig.js';
import { tempDir, writeRig } from '../../../suites/support/rigs.js';

const tmp = tempDir('hil-keep-');
afterAll(() => tmp.cleanup());

const STATE = join(tmp.dir, '.hil-state', 'kept');

function rigFile(faults2: string[] = []): string {
  return writeRig(tmp.dir, 'kept', [{}, { faults: faults2 }, {}], (r) => {
    r['session'] = { start: 'as-found' };
    (r['virtual'] as Record<string, unknown>)['startRegistered'] = { reportInterval: 60, signatureSettings: { reqSignedPost: true, reqValidCheckResp: true } };
  });
}

const ALL_OFF = Object.fromEntries(['reqSignedPost', 'reqValidCheckPost', 'reqTimeSyncPost', 'reqSecLocalPost', 'reqSignedResp', 'reqValidCheckResp', 'reqTimeSyncResp', 'reqSecLocalResp'].map((k) => [k, false]));

let run = 0;
async function start(file: string, persistence: VirtualRigOptions['persistence'] = 'resume'): Promise<{ sim: VirtualRig; said: string[] }> {
  const said: string[] = [];
  const sim = await VirtualRig.start(await loadRig(file), join(tmp.dir, `run-${++run}`), { persistence, onWarning: (l) => said.push(`warn ${l}`), onNotice: (l) => said.push(l) });
  return { sim, said };
}

describe('virtual rig state kept between runs', () => {
  test('stop saves each board; the next start resumes it powered, registered, crashed or off as it was, with its flash and clock', async () => {
    const file = rigFile();
    const first = await start(file);
    expect(first.said).toEqual([]);
    const m1 = first.sim.meter('meter-1');
    expect(m1.agent.snapshot().signatureSettings).toEqual({ ...ALL_OFF, reqSignedPost: true, reqValidCheckResp: true });
    m1.clock.offsetSeconds = 3600;
    m1.flash.setConfig({ firmwareGroup: 5 });
    first.sim.meter('meter-2').agent.resumeCrashed(new AgentCrash('SIGFPE', 'trickle timer rpt started with interval 0'));
    first.sim.meter('meter-3').board.power.off();
    await first.sim.stop();
    expect(['meter-1.json', 'meter-1.flash', 'meter-2.json', 'meter-3.json'].map((f) => existsSync(join(STATE, f)))).toEqual([true, true, true, true]);

    const second = await start(file);
    const next = JSON.parse(readFileSync(join(STATE, 'meter-1.json'), 'utf8')) as { report: { nextInS: number } };
    expect(second.said).toEqual([
      `virtual rig: meter-1 resumed from ${join(STATE, 'meter-1.json')}: powered, registered (SessionID "earlier-meter-1", report interval 60 s, next report in ${next.report.nextInS} s)`,
      `virtual rig: meter-2 resumed from ${join(STATE, 'meter-2.json')}: powered, agent crashed (SIGFPE: trickle timer rpt started with interval 0) until a power cycle`,
      `virtual rig: meter-3 resumed from ${join(STATE, 'meter-3.json')}: powered off`,
    ]);
    const r1 = second.sim.meter('meter-1');
    const snap = r1.agent.snapshot();
    expect([snap.state, Buffer.from(snap.sessionId!).toString('latin1'), snap.report.interval]).toEqual(['registered', 'earlier-meter-1', 60]);
    expect(r1.clock.offsetSeconds).toBe(3600);
    // SignatureSettings (TLV 79) live in RAM: the rig file's startRegistered set them, the kept board still has them.
    expect(r1.agent.snapshot().signatureSettings).toEqual({ ...ALL_OFF, reqSignedPost: true, reqValidCheckResp: true });
    expect(r1.flash.config().firmwareGroup).toBe(5);
    expect(second.sim.meter('meter-2').agent.state).toBe('crashed');
    expect(second.sim.meter('meter-2').agent.crash?.message).toBe('SIGFPE: trickle timer rpt started with interval 0');
    expect([second.sim.meter('meter-3').powered, second.sim.meter('meter-3').agent.state]).toEqual([false, 'off']);
    // A power cycle is what heals a crashed agent, as on a board.
    second.sim.meter('meter-2').board.power.cycle();
    expect(second.sim.meter('meter-2').agent.state).toBe('registering');
    await second.sim.stop();
  }, 60_000);

  test('another fault model, NMS key or a damaged file starts that meter cold and says why; --cold forgets all', async () => {
    // meter-2 registers again after the power cycle above: make it registered-as-found again for this test.
    await (await start(rigFile(), 'cold')).sim.stop();
    const m1 = join(STATE, 'meter-1.json');
    const saved = JSON.parse(readFileSync(m1, 'utf8')) as Record<string, unknown>;
    writeFileSync(m1, JSON.stringify({ ...saved, nmsKey: 'cd'.repeat(32) }));
    writeFileSync(join(STATE, 'meter-3.json'), JSON.stringify({ ...saved, powered: 'yes' }));
    const { sim, said } = await start(rigFile(['report-cert-valid']));
    expect(said.filter((l) => l.startsWith('warn'))).toEqual([
      "warn virtual rig: meter-1 starts cold: the rig's NMS key differs from the one its flash trusts (a board would have its registration refused)",
      'warn virtual rig: meter-2 starts cold: its fault models changed ([] → [report-cert-valid])',
      `warn virtual rig: meter-3 starts cold: damaged state file: ${join(STATE, 'meter-3.json')}: powered: expected true or false, got "yes"`,
    ]);
    expect(sim.meter('meter-1').clock.offsetSeconds).toBe(0);
    await sim.stop();

    const cold = await start(rigFile(['report-cert-valid']), 'cold');
    expect(existsSync(join(STATE, 'meter-1.json'))).toBe(false);
    expect(cold.said).toEqual([`virtual rig: cold start: the boards kept in ${STATE} are forgotten; every meter boots and registers`]);
    expect(cold.sim.meter('meter-1').agent.state).toBe('registering');
    cold.said.length = 0;
    await cold.sim.stop();
    expect(existsSync(join(STATE, 'meter-1.json'))).toBe(true);
    expect(cold.said.map((l) => l.replace(/ \(SessionID.*/, ''))).toEqual(['meter-1', 'meter-2', 'meter-3'].map((m) => `virtual rig: kept ${m} in ${join(STATE, `${m}.json`)}: powered, not registered (it registers)`));
  }, 60_000);

  test("a second run of the same rig file at once keeps nothing: the boards are the first run's", async () => {
    const file = rigFile();
    await (await start(file, 'cold')).sim.stop();
    const kept = readFileSync(join(STATE, 'meter-1.json'), 'utf8');
    const first = await start(file);
    const second = await start(file, 'cold');
    expect(second.said).toHaveLength(1);
    const warning = second.said[0]!;
    expect(warning.startsWith(`warn virtual rig: the boards kept in ${STATE} are another run's (`)).toBe(true);
    expect(warning.endsWith('); this run starts every meter as the rig file says and keeps nothing')).toBe(true);
    expect(second.sim.stateFolder).toBeUndefined();
    // Its --cold did not delete the first run's boards, and its stop does not overwrite them.
    second.sim.meter('meter-1').flash.setConfig({ firmwareGroup: 9 });
    await second.sim.stop();
    expect(readFileSync(join(STATE, 'meter-1.json'), 'utf8')).toBe(kept);
    expect(first.sim.stateFolder).toBe(STATE);
    await first.sim.stop();
    const third = await start(file);
    expect(third.said.filter((l) => l.startsWith('warn'))).toEqual([]);
    expect(third.sim.meter('meter-1').flash.config().firmwareGroup).not.toBe(9);
    await third.sim.stop();
  }, 60_000);
});
