/**
 * Firmware rollout over the virtual dongle in real time (time scale 1, 115200 baud: the line
 * moves 11 520 bytes per second), through the same pty, SLIP link and NMS as `hil upgrade`:
 *
 * - goodput: a 30 KiB image (the Linux sample's slot size) to one meter, unicast CON blocks;
 *   image bytes per second from the first FirmwareImageInfo read to the device's confirmation
 *   of the last block, as a share of the line rate. Target >= 85 %.
 * - group: another 30 KiB image to 4 meters at once, blocks sent once to the firmware group
 *   (NON, GroupMatch); its time against the single meter's. Target <= 1.2x.
 *
 * Both transfers follow a small warm-up transfer to another meter. Run alone with
 * `node dist/bench/rollout.js`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBench } from '../harness/app/open-bench.js';
import { defaultRigFile } from '../harness/app/defaults.js';
import { loadRig } from '../harness/config/rig.js';
import { buildImage } from '../harness/csmp/image/build.js';
import { firmwareImage } from '../harness/nms/transfer/image.js';
import { uploadImage, type UploadResult } from '../harness/nms/transfer/upload.js';

const BAUD = 115200;
const LINE_RATE = BAUD / 10;
const IMAGE_BYTES = 30 * 1024;

export interface RolloutFigures {
  oneSec: number;
  goodputShare: number;
  groupSec: number;
  groupRatio: number;
  oneLineBytes: number;
  groupLineBytes: number;
}

export async function benchRollout(log: (s: string) => void): Promise<RolloutFigures> {
  const rig = await loadRig(defaultRigFile());
  rig.virtual = { ...rig.virtual, timeScale: 1, dongle: { link: 'dongle0', baudRate: BAUD, latencyMs: 2, jitterMs: 0, lossRate: 0 } };
  const dir = mkdtempSync(join(tmpdir(), 'hil-bench-'));
  const opened = await openBench(rig, { runDir: dir, devices: [] });
  try {
    const { nms, clock } = opened.bench;
    const devices = opened.rig.devices.map((d) => d.name);
    await Promise.all(devices.map((d) => nms.events.waitForEvent('registrationRequest', 120_000, { device: d })));
    const hwId = opened.rig.devices[0]!.expected.hwId;
    const deps = { nms, clock };
    const opts = { lineRate: LINE_RATE, requestTimeoutMs: 10_000 };
    // Warm-up, not measured: the first transfer of a process runs cold code (JIT, first TLV schemas).
    check(await uploadImage(deps, firmwareImage(buildImage({ version: '6.0.0', hwId, size: 4096, seed: 10 }), 'warm-up.img'), { devices: [devices[1]!] }, opts), 'warm-up');

    const one = await uploadImage(deps, firmwareImage(buildImage({ version: '6.0.1', hwId, size: IMAGE_BYTES, seed: 11 }), 'bench-6.0.1.img'), { devices: [devices[0]!] }, opts);
    check(one, 'one meter');
    const oneSec = one.elapsedMs / 1000;
    const goodputShare = IMAGE_BYTES / oneSec / LINE_RATE;
    log(`rollout      30 KiB image, 1 meter, ${BAUD} baud: ${oneSec.toFixed(2)} s, ${one.blocks} blocks of ${one.blockSize} B, goodput ${(IMAGE_BYTES / oneSec).toFixed(0)} B/s = ${(goodputShare * 100).toFixed(1)} % of the line (${LINE_RATE} B/s); ${one.lineBytes} B sent`);

    const group = await uploadImage(deps, firmwareImage(buildImage({ version: '6.0.2', hwId, size: IMAGE_BYTES, seed: 12 }), 'bench-6.0.2.img'), { devices, group: { id: Number(opened.rig.devices[0]!.expected.firmwareGroup), address: 'ff05::1' } }, opts);
    check(group, 'group');
    const groupSec = group.elapsedMs / 1000;
    const groupRatio = groupSec / oneSec;
    log(`rollout      same size, ${devices.length} meters as one firmware group: ${groupSec.toFixed(2)} s = ${groupRatio.toFixed(2)}× one meter; ${group.blocks} blocks sent ${group.sent.length} times; ${group.lineBytes} B sent (${(group.lineBytes / one.lineBytes).toFixed(2)}× one)`);
    return { oneSec, goodputShare, groupSec, groupRatio, oneLineBytes: one.lineBytes, groupLineBytes: group.lineBytes };
  } finally {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function check(r: UploadResult, what: string): void {
  const bad = r.devices.filter((d) => d.status !== 'complete');
  if (bad.length) throw new Error(`rollout bench (${what}): ${bad.map((d) => `${d.device} ${d.status}: ${d.reason ?? ''}`).join('; ')}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const log = (s: string) => process.stdout.write(`${s}\n`);
  const f = await benchRollout(log);
  log(`  target: goodput ≥85 % of the line (${f.goodputShare >= 0.85 ? 'met' : 'NOT met'}), group of 4 ≤1.2× one (${f.groupRatio <= 1.2 ? 'met' : 'NOT met'})`);
  process.exit(0);
}
