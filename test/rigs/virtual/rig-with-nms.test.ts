/**
 * The virtual rig against the harness's own NMS (harness/nms): the two sides are written
 * independently, so this is where a disagreement about the protocol would show.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRig } from '../../../harness/config/rig.js';
import type { Nms } from '../../../harness/nms/nms.js';
import type { VirtualRig } from '../../../rigs/virtual/rig.js';
import { startRigWithNms, type RigWithNms } from './support/rig-with-nms.js';

const RIG_FILE = new URL('../../../rigs/virtual.yaml', import.meta.url).pathname;

describe('virtual rig with the harness NMS', () => {
  let dir: string;
  let sim: VirtualRig | undefined;
  let bench: RigWithNms | undefined;
  let nms: Nms | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-vnms-'));
  });
  afterAll(async () => {
    await bench?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('all four healthy meters register with signed 2.03s and come Up', async () => {
    const rig = await loadRig(RIG_FILE);
    bench = await startRigWithNms(rig, dir);
    ({ sim, nms } = bench);
    // Timeouts are on the NMS clock, which runs 60x: 30 device minutes are 30 real seconds.
    const ups = await Promise.all(['meter-1', 'meter-2', 'meter-3', 'meter-4'].map((d) => nms!.events.waitForEvent('up', 1_800_000, { device: d })));
    expect(ups.map((e) => e.device).sort()).toEqual(['meter-1', 'meter-2', 'meter-3', 'meter-4']);
    expect(nms.events.find((e) => e.name === 'signatureFailure')).toEqual([]);
    for (const m of sim.meters.values()) {
      expect(m.agent.state).toBe('registered');
      expect(m.agent.stats.sigOk).toBeGreaterThanOrEqual(1);
    }
  }, 40_000);
});
