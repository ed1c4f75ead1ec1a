/**
 * Every knob a rig file can set, seen over the radio through the real pty and SLIP link, with
 * the harness NMS reading the meters: the troubleshooting branches of csmp-protocol.md 9.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRig } from '../../../harness/config/rig.js';
import type { Nms } from '../../../harness/nms/nms.js';
import type { VirtualRig } from '../../../rigs/virtual/rig.js';
import { startRigWithNms, type RigWithNms } from './support/rig-with-nms.js';

const RIG_FILE = new URL('../../../rigs/virtual.yaml', import.meta.url).pathname;
const CON = { timeoutMs: 180_000 }; // NMS clock at 60x: 3 real seconds

describe('rig-file knobs over the radio', () => {
  let dir: string;
  let sim: VirtualRig | undefined;
  let bench: RigWithNms | undefined;
  let nms: Nms;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hil-vknob-'));
    const rig = await loadRig(RIG_FILE);
    rig.virtual = {
      ...rig.virtual,
      meters: [
        { name: 'meter-1', initial: { clockSkew: '-3h' } },
        { name: 'meter-2', initial: { certDamaged: true } },
        { name: 'meter-3', initial: { flashCorrupted: true } },
        { name: 'meter-4', initial: { demoMode: true, groups: { firmware: 243, config: 42 } } },
      ],
    };
    bench = await startRigWithNms(rig, dir);
    ({ sim, nms } = bench);
  });
  afterAll(async () => {
    await bench?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const value = async (device: string, tlv: number) => (await nms.client.get(device, tlv, CON)).tlvs[0]?.value ?? {};

  test('skewed clock: signatureFailure, device CurrentTime hours behind, sigBadValidity rising, never Up', async () => {
    const failure = await nms.events.waitForEvent('signatureFailure', 1_800_000, { device: 'meter-1' });
    expect(failure.device).toBe('meter-1');
    const time = (await value('meter-1', 18))['posix'] as number;
    expect(sim!.clock.now() / 1000 - time).toBeGreaterThan(3 * 3600 - 60);
    const stats = await value('meter-1', 45);
    expect(stats['sigBadValidity']).toBeGreaterThanOrEqual(1);
    expect(stats['regSucceed']).toBe(0);
  });

  test('damaged certificate: NMSCertValid false with SSID present', async () => {
    expect((await value('meter-2', 43))['NMSCertValid']).toBe(false);
    expect(new TextDecoder().decode((await value('meter-2', 35))['SSID'] as Uint8Array)).toBe('CRDC');
  });

  test('corrupted flash: SSID and NMSCertValid absent', async () => {
    const wpan = await value('meter-3', 35);
    expect('SSID' in wpan).toBe(false);
    expect(wpan['ifIndex']).toBe(2);
    expect('NMSCertValid' in (await value('meter-3', 43))).toBe(false);
  });

  test('firmware group mismatch: the NMS sends GroupAssign and GroupInfo then shows the expected group; demo mode flag set', async () => {
    await nms.events.waitForEvent('up', 1_800_000, { device: 'meter-4' });
    const groups = (await nms.client.get('meter-4', 58, CON)).tlvs.map((t) => t.value);
    expect(groups).toContainEqual({ type: 2, id: 317 });
    expect((await value('meter-4', 35))['demoModeEnabled']).toBe(true);
  });
});
