/**
 * The virtual rig started from a rig file and the harness's own NMS on the real pty and SLIP
 * link to its dongle: what the end-to-end tests of the rig stand on. `stop()` undoes it all.
 */
import { SlipLink } from '../../../../drivers/link/slip-link.js';
import type { Rig } from '../../../../harness/config/rig.js';
import { nmsFromRig } from '../../../../harness/nms/from-rig.js';
import type { Nms } from '../../../../harness/nms/nms.js';
import { VirtualRig } from '../../../../rigs/virtual/rig.js';
import { join } from 'node:path';

export interface RigWithNms {
  sim: VirtualRig;
  /** The rig file with the simulation's ports and paths filled in. */
  rig: Rig;
  link: SlipLink;
  nms: Nms;
  stop(): Promise<void>;
}

export async function startRigWithNms(rig: Rig, dir: string): Promise<RigWithNms> {
  const sim = await VirtualRig.start(rig, join(dir, 'run'));
  let link: SlipLink | undefined;
  let nms: Nms | undefined;
  const stop = async (): Promise<void> => {
    await nms?.stop();
    await link?.close();
    await sim.stop();
  };
  try {
    const resolved = sim.resolveRig(rig);
    const spec = resolved.links[0]!;
    if (spec.kind !== 'slip') throw new Error('expected a slip link');
    link = new SlipLink({ path: spec.path, baudRate: spec.baudRate, localAddresses: ['fd00::1', 'fd00::2'], lockDir: join(dir, 'locks'), name: spec.name });
    await link.open();
    nms = await nmsFromRig(resolved, { clock: sim.clock });
    await nms.start([link]);
    return { sim, rig: resolved, link, nms, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
