/**
 * Groups and firmware on the NMS device record (issue 15): a meter found registered to an earlier
 * NMS tells them only when asked, so the record keeps what a GET read, and says so; a
 * registration the NMS answers replaces them with what the /r said.
 */
import { afterAll, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { loadRig } from '../../../harness/config/rig.js';
import { learntFrom } from '../../../harness/nms/learnt-tlvs.js';
import { tempDir, writeRig, asFound } from '../../suites/support/rigs.js';
import { startRigWithNms } from './support/rig-with-nms.js';

const tmp = tempDir('hil-learnt-');
afterAll(() => tmp.cleanup());

test('GET 58/75 answered: groups and firmware on the record "from GET at"; a registration then gives them "from registration at"', async () => {
  const file = writeRig(tmp.dir, 'learnt', [{ initial: { groups: { firmware: 243 } } }], asFound);
  const b = await startRigWithNms(await loadRig(file), join(tmp.dir, 'one'));
  try {
    const rec = b.nms.devices.require('meter-1');
    expect([rec.groupInfo, rec.firmwareInfo]).toEqual([undefined, undefined]);
    const before = b.sim.clock.now();
    await b.nms.client.get('meter-1', [58, 75]);
    expect(rec.groupInfo!.tlvs.map((t) => t.value)).toEqual([{ type: 1, id: 42 }, { type: 2, id: 243 }]);
    expect(rec.groupInfo!.source).toBe('GET');
    expect(rec.groupInfo!.at).toBeGreaterThanOrEqual(before);
    expect(learntFrom(rec.groupInfo!)).toBe(`from GET at ${new Date(rec.groupInfo!.at).toISOString()}`);
    expect(rec.firmwareInfo!.tlvs.map((t) => [t.value?.['index'], t.value?.['version']])).toEqual([[1, '5.6.21'], [2, ''], [3, '5.6.21']]);
    // One row by its index says nothing of the others: the table read before stays.
    const table = rec.firmwareInfo;
    await b.nms.client.get('meter-1', 75, { style: 'path', index: 2 });
    expect(rec.firmwareInfo).toBe(table);

    b.sim.meter('meter-1').board.power.cycle();
    await b.nms.events.waitForEvent('registrationRequest', 60_000, { device: 'meter-1' });
    expect([rec.groupInfo!.source, rec.firmwareInfo!.source]).toEqual(['registration', 'registration']);
    expect(rec.groupInfo!.tlvs.map((t) => t.value)).toEqual([{ type: 1, id: 42 }, { type: 2, id: 243 }]);
  } finally {
    await b.stop();
  }
}, 60_000);
