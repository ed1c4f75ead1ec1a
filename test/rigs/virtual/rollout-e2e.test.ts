/**
 * Firmware rollout against the virtual meters over the real pty and SLIP path: the harness's
 * NMS (harness/nms/transfer) pushes images to healthy meters and to meters with a firmware fault
 * model. Each check is a function that says what is wrong, or nothing: it says nothing for the
 * healthy meter and names the fault for the faulty one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sameBytes, toHex } from '../../../core/bytes.js';
import { PowerControl } from '../../../drivers/power/power-control.js';
import { withMeters } from '../../../harness/app/scale-rig.js';
import { loadRig } from '../../../harness/config/rig.js';
import { buildImage, type ImageBuildOptions } from '../../../harness/csmp/image/build.js';
import { encodeBitmap } from '../../../harness/csmp/image/block-bitmap.js';
import { EventTimeoutError } from '../../../harness/nms/events.js';
import { cancelLoad, requestLoad, setBackup, type FirmwareAnswer } from '../../../harness/nms/transfer/commands.js';
import { firmwareImage, type FirmwareImage } from '../../../harness/nms/transfer/image.js';
import { deviceNowSec, loadWindow, waitForRegistration } from '../../../harness/nms/transfer/reboot.js';
import { readFirmwareSlots, runningSlot, slotHolding, type FirmwareSlotInfo } from '../../../harness/nms/transfer/slots.js';
import { uploadImage, type RolloutDeps, type UploadOptions } from '../../../harness/nms/transfer/upload.js';
import type { FaultName } from '../../../rigs/virtual/meter/faults.js';
import { startRigWithNms, type RigWithNms } from './support/rig-with-nms.js';

const RIG_FILE = new URL('../../../rigs/virtual.yaml', import.meta.url).pathname;
const HW = 'RFLAN/3.60/3.80';
const TIME_SCALE = 60;
/** Device seconds between a LoadRequest and its load time. */
const LOAD_DELAY_S = 120;

/**
 * The meters and the scenarios each takes part in, in test order. A healthy meter goes through
 * several scenarios (each leaves it in a state the next one copes with); a faulty one carries
 * the fault models its scenarios must catch, each failing its check for its own reason.
 */
const METERS: { roles: string[]; faults?: FaultName[] }[] = [
  { roles: ['transfer', 'hardware', 'integrity', 'cancel'] },
  { roles: ['resume', 'load', 'fallback'] },
  { roles: ['hardware/faulty', 'integrity/faulty'], faults: ['accepts-wrong-hardware', 'accepts-bad-hash'] },
  { roles: ['resume/faulty', 'load/stale'], faults: ['loses-upload-slot-on-power-loss', 'reports-old-version-after-load'] },
  { roles: ['load/early'], faults: ['loads-at-wrong-time'] },
  { roles: ['cancel/faulty'], faults: ['ignores-cancel-load'] },
  { roles: ['fallback/faulty'], faults: ['no-fallback-when-image-fails'] },
];

const image = (o: ImageBuildOptions & { name?: string } = {}): FirmwareImage =>
  firmwareImage(buildImage({ version: '6.0.1', hwId: HW, size: 8 * 1024, seed: 1, ...o }), o.name ?? `meter-fw-${o.version ?? '6.0.1'}.img`);

describe('firmware rollout over the virtual dongle', () => {
  let dir: string;
  let bench: RigWithNms;
  let deps: RolloutDeps;
  const meter = (role: string): string => {
    const i = METERS.findIndex((m) => m.roles.includes(role));
    if (i < 0) throw new Error(`no meter for ${role}`);
    return `meter-${i + 1}`;
  };
  const clockMs = (realMs: number) => realMs * TIME_SCALE;
  const opts = (extra: UploadOptions = {}): UploadOptions => ({ lineRate: 11520, requestTimeoutMs: clockMs(3000), ...extra });
  const timeout = () => ({ timeoutMs: clockMs(3000) });
  const upload = (role: string, img: FirmwareImage, extra: UploadOptions = {}) => uploadImage(deps, img, { devices: [meter(role)] }, opts(extra));
  const slots = (role: string) => readFirmwareSlots(bench.nms.client, meter(role), timeout());
  const power = (role: string) => {
    const spec = bench.rig.devices.find((d) => d.name === meter(role))!.power!;
    return new PowerControl(meter(role), { on: spec.on, off: spec.off, cycleOffMs: 100, timeoutMs: 10_000 });
  };
  /** LoadRequest LOAD_DELAY_S ahead of the device's clock; returns the answer and when it was sent. */
  const load = async (role: string, img: FirmwareImage) => {
    const since = bench.nms.events.mark();
    const sentAt = deps.clock.now();
    const answer = await requestLoad(bench.nms.client, meter(role), img.hash, deviceNowSec(deps, meter(role)) + LOAD_DELAY_S, timeout());
    return { answer, sentAt, since };
  };
  /** The next registration of the meter, or undefined when none comes within twice the load delay (plus registration time). */
  const reregistration = (role: string, since: number) =>
    waitForRegistration(deps, meter(role), { since, timeoutMs: (2 * LOAD_DELAY_S + 60) * 1000, uptimeTimeoutMs: clockMs(3000) }).catch((e: unknown) => {
      if (e instanceof EventTimeoutError) return undefined;
      throw e;
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hil-roll-'));
    const base = await loadRig(RIG_FILE);
    const rig = withMeters(base, METERS.length);
    rig.virtual = {
      ...rig.virtual,
      timeScale: TIME_SCALE,
      meters: rig.devices.map((d, i) => ({ name: d.name, ...(METERS[i]!.faults ? { faults: METERS[i]!.faults } : {}) })),
    };
    bench = await startRigWithNms(rig, dir);
    bench.nms.events.setMaxListeners(4 * METERS.length);
    deps = { nms: bench.nms, clock: bench.sim.clock };
    await Promise.all(rig.devices.map((d) => bench.nms.events.waitForEvent('registrationRequest', clockMs(20_000), { device: d.name })));
  }, 60_000);
  afterAll(async () => {
    await bench?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a transfer completes: the upload slot shows hash, version, size and a full bitmap', async () => {
    const img = image();
    const r = await upload('transfer', img);
    expect(r.devices.map((d) => d.status)).toEqual(['complete']);
    expect(r.sent).toEqual([...Array(r.blocks).keys()]);
    const slot = slotHolding(await slots('transfer'), img.hash)!;
    expect({ ...slot, fileHash: toHex(slot.fileHash!), bitmap: toHex(slot.bitmap!) }).toEqual({
      index: 2,
      fileHash: toHex(img.hash),
      fileName: 'meter-fw-6.0.1.img',
      version: '6.0.1',
      fileSize: 8192,
      blockSize: r.blockSize,
      bitmap: toHex(encodeBitmap([...Array(r.blocks).keys()], r.blocks)),
      bitmapOffset: 0,
      isDefault: false,
      isRunning: false,
      hwId: HW,
    });
    // Sent again, nothing is missing: no block goes out.
    expect((await upload('transfer', img)).sent).toEqual([]);
  }, 30_000);

  test('power loss mid-transfer, then resume: only the missing blocks are sent (loses-upload-slot-on-power-loss resends all)', async () => {
    const img = image({ version: '6.0.3', seed: 3 });
    const check = async (role: string): Promise<string | undefined> => {
      const stop = new AbortController();
      const first = await upload(role, img, {
        maxInFlight: 1,
        signal: stop.signal,
        onEvent: (e) => {
          if (e.type === 'block' && e.block === 3) stop.abort('power loss');
        },
      });
      expect([first.sent, first.devices[0]!.status]).toEqual([[0, 1, 2, 3], 'aborted']);
      const since = bench.nms.events.mark();
      await power(role).cycle();
      await bench.nms.events.waitForEvent('registrationRequest', clockMs(10_000), { device: meter(role), since });
      const resumed = await upload(role, img);
      expect(resumed.devices[0]!.status).toBe('complete');
      const expected = [4, 5, 6, 7, 8];
      return resumed.sent.join(',') === expected.join(',') ? undefined : `resent blocks ${resumed.sent.join(',')}, expected only the missing ${expected.join(',')}`;
    };
    expect(await check('resume')).toBeUndefined();
    expect(await check('resume/faulty')).toBe('resent blocks 0,1,2,3,4,5,6,7,8, expected only the missing 4,5,6,7,8');
  }, 60_000);

  test('a corrupted block or a wrong hash is never loadable: LoadRequest refused with 5 (accepts-bad-hash loads it)', async () => {
    const refusedWith5 = (a: FirmwareAnswer) => (a.response === 5 ? undefined : `LoadRequest answered ${a.name}, expected SIGNATURE_FAILED`);
    const check = async (role: string): Promise<(string | undefined)[]> => {
      const corrupted = image({ version: '6.0.4', seed: 4 });
      const r1 = await upload(role, corrupted, { tamper: { block: (n, d) => (n === 2 ? d.map((b, i) => (i === 100 ? b ^ 0xff : b)) : d) } });
      expect(r1.devices[0]!.status).toBe('complete');
      const a1 = (await load(role, corrupted)).answer;
      // A faulty meter scheduled a load of a bad image: cancel it (a pending load blocks the next transfer, 8).
      if (a1.ok) await cancelLoad(bench.nms.client, meter(role), corrupted.hash, timeout());
      const wrongHash = image({ version: '6.0.5', seed: 5 });
      const lie = new Uint8Array(32).fill(0x5a);
      const r2 = await upload(role, wrongHash, { tamper: { fileHash: lie } });
      expect([r2.devices[0]!.status, r2.devices[0]!.reason]).toEqual(['complete', undefined]);
      const a2 = await requestLoad(bench.nms.client, meter(role), lie, deviceNowSec(deps, meter(role)) + 3600, timeout());
      if (a2.ok) await cancelLoad(bench.nms.client, meter(role), lie, timeout());
      return [refusedWith5(a1), refusedWith5(a2)];
    };
    expect(await check('integrity')).toEqual([undefined, undefined]);
    expect(await check('integrity/faulty')).toEqual(['LoadRequest answered OK, expected SIGNATURE_FAILED', 'LoadRequest answered OK, expected SIGNATURE_FAILED']);
  }, 60_000);

  test('an image for other hardware is refused with 1 (accepts-wrong-hardware takes it)', async () => {
    const other = image({ hwId: 'OTHER/1.0', version: '7.0.0', seed: 7 });
    const check = async (role: string) => {
      const r = await upload(role, other);
      const d = r.devices[0]!;
      return d.status === 'refused' && d.response === 1 ? undefined : `TransferRequest ${d.status}${d.response !== undefined ? ` with ${d.response}` : ''}, expected refused with 1 INCOMPATIBLE_HW`;
    };
    const [healthy, faulty] = await Promise.all([check('hardware'), check('hardware/faulty')]);
    expect(healthy).toBeUndefined();
    expect(faulty).toBe('TransferRequest complete, expected refused with 1 INCOMPATIBLE_HW');
  }, 30_000);

  test('scheduled load: reboot inside the load window, registration, the new image running and the old one kept (loads-at-wrong-time, reports-old-version-after-load fail)', async () => {
    const img = image({ version: '6.1.0', seed: 10 });
    const check = async (role: string): Promise<string[]> => {
      const old = runningSlot(await slots(role))!;
      expect((await upload(role, img)).devices[0]!.status).toBe('complete');
      const { answer, sentAt, since } = await load(role, img);
      expect([answer.name, answer.loadTime]).toEqual(['OK', expect.any(Number)]);
      const reg = await reregistration(role, since);
      if (!reg) return ['no registration after the load'];
      const problems: string[] = [];
      const w = loadWindow(sentAt, LOAD_DELAY_S);
      if (reg.bootedAt === undefined || reg.bootedAt < w.earliest - 2000 || reg.bootedAt > w.latest + 2000) {
        problems.push(`rebooted ${reg.bootedAt === undefined ? '?' : ((reg.bootedAt - sentAt) / 1000).toFixed(0)} s after the LoadRequest, outside ${LOAD_DELAY_S / 2}-${2 * LOAD_DELAY_S} s`);
      }
      const running = runningSlot(reg.slots);
      if (!sameBytes(running?.fileHash, img.hash) || running?.version !== '6.1.0') problems.push(`registered running ${running?.version}, expected 6.1.0`);
      const kept = reg.slots.find((s) => !s.isRunning && sameBytes(s.fileHash, old.fileHash));
      if (!kept || kept.version !== old.version) problems.push(`the old image ${old.version} is in no other slot`);
      return problems;
    };
    const [healthy, early, stale] = await Promise.all([check('load'), check('load/early'), check('load/stale')]);
    expect(healthy).toEqual([]);
    expect(early).toHaveLength(1);
    // It loads within seconds (plus the registration's own delay, which bootedAt takes out).
    expect(early[0]).toMatch(/^rebooted [0-9] s after the LoadRequest, outside 60-240 s$/);
    expect(stale).toEqual(['registered running 5.6.21, expected 6.1.0']);
  }, 60_000);

  test('cancel before the load time keeps the old image (ignores-cancel-load reboots into the new one)', async () => {
    const img = image({ version: '6.2.0', seed: 20 });
    const check = async (role: string): Promise<string | undefined> => {
      expect((await upload(role, img)).devices[0]!.status).toBe('complete');
      const { since } = await load(role, img);
      const cancel = await cancelLoad(bench.nms.client, meter(role), img.hash, timeout());
      expect(cancel.name).toBe('OK');
      const reg = await reregistration(role, since);
      const running = runningSlot(await slots(role));
      if (reg) return `re-registered running ${runningSlot(reg.slots)?.version} although the load was cancelled`;
      return running?.version === '5.6.21' ? undefined : `runs ${running?.version}`;
    };
    const [healthy, faulty] = await Promise.all([check('cancel'), check('cancel/faulty')]);
    expect(healthy).toBeUndefined();
    expect(faulty).toBe('re-registered running 6.2.0 although the load was cancelled');
  }, 60_000);

  test('set-backup, then a new image that does not boot: the meter falls back to the backup and says so (no-fallback-when-image-fails stays down)', async () => {
    const broken = image({ version: '6.3.0', seed: 30, boots: false });
    const check = async (role: string): Promise<string | undefined> => {
      const running = runningSlot(await slots(role))!;
      const backup = await setBackup(bench.nms.client, meter(role), running.fileHash!, timeout());
      expect(backup.name).toBe('OK');
      expect((await upload(role, broken)).devices[0]!.status).toBe('complete');
      const { answer, since } = await load(role, broken);
      expect(answer.name).toBe('OK');
      const reg = await reregistration(role, since);
      if (!reg) return 'did not register again after loading an image that does not boot';
      const now: FirmwareSlotInfo | undefined = runningSlot(reg.slots);
      return now?.isDefault && sameBytes(now.fileHash, running.fileHash) ? undefined : `runs slot ${now?.index} ${now?.version}, not the backup`;
    };
    const [healthy, faulty] = await Promise.all([check('fallback'), check('fallback/faulty')]);
    expect(healthy).toBeUndefined();
    expect(faulty).toBe('did not register again after loading an image that does not boot');
  }, 60_000);
});

