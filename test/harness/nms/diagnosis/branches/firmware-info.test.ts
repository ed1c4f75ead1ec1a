import { describe, expect, it } from '@jest/globals';
import { firmwareInfo } from '../../../../../harness/nms/diagnosis/branches/firmware-info.js';
import { facts, HEALTHY_SIGNATURES, HEALTHY_STATUS, looked, meter, ok, probe, QUIET_NMS, SEEN } from '../scripted-facts.js';

const FIX = 'Load the expected image (matching the hwId in the NMS device-type metadata) onto the device, or correct the expected firmware in the rig/NMS.';
const wrongImage = probe({ 75: ok({ type: 75, fields: { index: 1, version: '6.6.98', isRunning: true, hwInfo: { hwId: 'csmp-hw' } } }) });

describe('firmwareInfo', () => {
  it('running version and hwId differ from the expectation', async () => {
    expect(firmwareInfo(await looked('firmware', facts(), wrongImage))).toEqual({
      branch: 'firmware-info',
      evidence: [
        { what: 'NMS device state', seen: 'up (registrations answered: 1, reports: 3)' },
        SEEN.upEvents,
        ...QUIET_NMS,
        ...HEALTHY_STATUS,
        SEEN.noConsole,
        ...HEALTHY_SIGNATURES,
        SEEN.groups,
        { what: 'GET 75 FirmwareImageInfo (running slot)', seen: '2.05: slot 1 version "6.6.98", hwId "csmp-hw"' },
      ],
      cause: 'The device\'s firmware does not match what the NMS expects: running version "6.6.98", expected "6.6.99"; hwId "csmp-hw", expected "CSMP-HW" (case-sensitive).',
      fix: FIX,
    });
  });

  it('no slot marked running; a config-group mismatch is noted before the image', async () => {
    const given = facts({ device: { ...meter, expected: { ...meter.expected, configGroup: 42 } } });
    const f = await looked('firmware', given, probe({ 75: ok({ type: 75, fields: { index: 1, version: '6.6.99' } }) }));
    expect(f.evidence.slice(-2)).toEqual([
      { what: 'configuration group', seen: 'device id=0, expected id=42' },
      { what: 'GET 75 FirmwareImageInfo (running slot)', seen: '2.05: 1 slot(s), none running' },
    ]);
    expect(firmwareInfo(f)!.cause).toBe("The device's firmware does not match what the NMS expects: no slot is marked running.");
  });

  it('is nothing for an empty expectation (an ad-hoc device), or the expected image in the running slot', async () => {
    expect(firmwareInfo(await looked('firmware', facts({ device: { ...meter, expected: {} } }), wrongImage))).toBeUndefined();
    const backupDiffers = probe({
      75: ok({ type: 75, fields: { index: 1, version: '6.6.99', isRunning: true, hwInfo: { hwId: 'CSMP-HW' } } }, { type: 75, fields: { index: 2, version: '6.6.98', hwInfo: { hwId: 'x' } } }),
    });
    expect(firmwareInfo(await looked('firmware', facts(), backupDiffers))).toBeUndefined();
  });
});
