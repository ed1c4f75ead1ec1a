/**
 * A lab's own Jest test, written against csmp-hil as a library. It opens a rig (the virtual one
 * shipped with the package, or the rig file named by HIL_RIG: the same code drives real meters),
 * waits until the meter has registered with the harness's NMS, asks it for its DeviceID and checks
 * the decoded TLV against the rig file.
 *
 * In a lab's project: `npm install --save-dev csmp-hil jest @swc/jest` and run Jest as usual
 * (NODE_OPTIONS=--experimental-vm-modules for ESM). This very file runs in csmp-hil's own `npm test`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRigFile, loadRig, openBench, TLV, type OpenedBench } from 'csmp-hil';

const METER = process.env.HIL_DEVICE ?? 'meter-1';
let bench: OpenedBench;
let runDir: string;

beforeAll(async () => {
  runDir = mkdtempSync(join(tmpdir(), 'my-lab-'));
  const rig = await loadRig(process.env.HIL_RIG ?? defaultRigFile());
  // runDir holds the virtual rig's ptys and flash files; a hardware rig only leases its ports.
  bench = await openBench(rig, { runDir, devices: [METER] });
}, 60_000);

afterAll(async () => {
  await bench?.close();
  rmSync(runDir, { recursive: true, force: true });
});

test('the meter registers and reports the EUI-64 the rig names', async () => {
  // bench.toClockMs: real milliseconds on hardware, scaled on the virtual rig's faster clock.
  await bench.nms.devices.waitForState(METER, 'up', bench.bench.toClockMs(60_000));

  const answer = await bench.nms.client.get(METER, TLV.DeviceID, { timeoutMs: bench.bench.toClockMs(10_000) });

  expect(answer.code).toBe('2.05');
  const deviceId = answer.tlvs.find((t) => t.type === TLV.DeviceID);
  const expected = bench.rig.devices.find((d) => d.name === METER)!.eui64;
  expect(String(deviceId?.value?.['id']).toLowerCase()).toBe(expected.toLowerCase());
}, 90_000);
