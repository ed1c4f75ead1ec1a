/**
 * The virtual rig against the harness's own NMS (harness/nms): the two sides are written
 * independently, so this is where a disagreement about the protocol would show.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlipLink } from '../../drivers/link/slip-link.js';
import { loadRig } from '../../harness/config/rig.js';
import { nmsFromRig } from '../../harness/nms/from-rig.js';
import type { Nms } from '../../harness/nms/nms.js';
import { VirtualRig } from '../../rigs/virtual/rig.js';

const RIG_FILE = new URL('../../rigs/virtual.yaml', import.meta.url).pathname;

describe('virtual rig with the harness NMS', () => {
  let dir: string;
  let sim: VirtualRig | undefined;
  let link: SlipLink | undefined;
  let nms: Nms | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-vnms-'));
  });
  afterAll(async () => {
    await nms?.stop();
    await link?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('all four healthy meters register with signed 2.03s and come Up', async () => {
    const rig = await loadRig(RIG_FILE);
    sim = await VirtualRig.start(rig, join(dir, 'run'));
    const resolved = sim.resolveRig(rig);
    const spec = resolved.links[0]!;
    if (spec.kind !== 'slip') throw new Error('expected a slip link');
    link = new SlipLink({ path: spec.path, baudRate: spec.baudRate, localAddresses: ['fd00::1', 'fd00::2'], lockDir: join(dir, 'locks'), name: spec.name });
    await link.open();
    nms = await nmsFromRig(resolved, { clock: sim.clock });
    await nms.start([link]);
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
