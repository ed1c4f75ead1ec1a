/**
 * The virtual rig started as a rack left powered between runs (virtual.startRegistered): the
 * meters are registered to an NMS that is gone and only report. The harness NMS must take them
 * as they are: Up from a report or an answered probe, Down within three of their intervals when
 * their CSMP is firewalled, Up again when it opens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRig } from '../../../harness/config/rig.js';
import { startRigWithNms, type RigWithNms } from './support/rig-with-nms.js';

const RIG_FILE = new URL('../../../rigs/virtual.yaml', import.meta.url).pathname;

describe('virtual rig started as found (meters registered before the run)', () => {
  let dir: string;
  let bench: RigWithNms | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-asfound-'));
  });
  afterEach(async () => {
    await bench?.stop();
    bench = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function start(): Promise<RigWithNms> {
    const rig = await loadRig(RIG_FILE);
    rig.virtual = { ...rig.virtual, startRegistered: { reportInterval: 60 } };
    bench = await startRigWithNms(rig, join(dir, String(Date.now())));
    return bench;
  }

  test('reports without a registration: Up, interval read from the device, Down in three intervals behind the firewall, Up after', async () => {
    const { nms, sim } = await start();
    const learnt = new Promise<void>((resolve) => nms.devices.on('interval', (r: { device: { name: string } }) => r.device.name === 'meter-1' && resolve()));
    const up = await nms.events.waitForEvent('up', 600_000, { device: 'meter-1' });
    const rec = nms.devices.require('meter-1');
    expect(up.details).toEqual({ previousState: 'unheard' });
    expect(rec.registrationCount).toBe(0);
    expect(rec.transitions[0]!.reason).toBe('report received from a device registered before this NMS started');
    // The GET of TLV 13 follows the first report.
    await learnt;
    expect([rec.reportIntervalS, rec.reportIntervalSource]).toEqual([60, 'device']);
    expect(sim.meters.get('meter-1')!.agent.state).toBe('registered');

    nms.firewall.dropInbound('csmp-port', rec.device.address);
    const blockedAt = sim.clock.now();
    await nms.devices.waitForState('meter-1', 'down', 600_000);
    const downAfterMs = sim.clock.now() - blockedAt;
    expect(downAfterMs).toBeLessThanOrEqual(180_000 + 5_000);
    expect(downAfterMs).toBeGreaterThan(60_000);
    nms.firewall.allowInbound(rec.device.address);
    await nms.devices.waitForState('meter-1', 'up', 120_000);
    expect(rec.transitions.at(-1)!.reason).toBe('report received while down');
    expect(nms.events.find((e) => e.name === 'registrationSuccess')).toEqual([]);
  }, 60_000);

  test('an as-found probe hears a meter at once, before its first report', async () => {
    const { nms } = await start();
    const result = await nms.probe('meter-2');
    expect(result).toEqual({ device: 'meter-2', answered: true, code: '2.05', reportIntervalS: 60, reportIntervalSource: 'device' });
    const rec = nms.devices.require('meter-2');
    expect([rec.state, rec.reportCount]).toEqual(['up', 0]);
  }, 60_000);
});
