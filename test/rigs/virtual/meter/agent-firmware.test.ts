/**
 * The virtual meter's firmware flow at the agent (csmp-protocol.md 6.7), on a fake clock with an
 * in-memory board: what it answers, what it stores, when it loads, what it boots — healthy and
 * with each firmware fault model.
 */
import { createHash } from 'node:crypto';
import { buildImage } from '../../../../harness/csmp/image/build.js';
import type { FaultName } from '../../../../rigs/virtual/meter/faults.js';
import { AgentBench, fields, isPost, keys, type BenchOptions } from '../support/agent-bench.js';
import { signed, tlvBytes } from '../support/nms-signer.js';
import { toHex } from '../../../../core/bytes.js';

const HW = 'RFLAN/3.60/3.80';
// 1024-byte blocks would not fit the agent's 1024-byte receive buffer with their headers (doc 10.2).
const BLOCK = 512;
const gm = (id: number) => ({ type: 57, fields: { type: 2, id } });
const sha = (b: Uint8Array) => Uint8Array.from(createHash('sha256').update(b).digest());

type Item = { type: number; fields: Record<string, unknown> };

class FirmwareBench extends AgentBench {
  private mid = 100;
  constructor(o: BenchOptions = {}) {
    super(o);
    this.agent.boot();
  }
  /** CON POST, signed unless `unsigned`; returns the ACK. */
  post(items: Item[], unsigned = false) {
    const body = tlvBytes(items);
    return this.request({ type: 'CON', code: '0.02', messageId: this.mid++, uriPath: ['c'], payload: unsigned ? body : signed(body, keys().privateKey, this.nowSec()) })!;
  }
  transfer(image: Uint8Array, extra: Record<string, unknown> = {}) {
    return this.post([{ type: 65, fields: { hwInfo: { hwId: HW }, fileHash: sha(image), fileName: 'fw', version: '6.0.1', fileSize: image.length, blockSize: BLOCK, ...extra } }]);
  }
  block(hash: Uint8Array, n: number, data: Uint8Array) {
    return this.post([{ type: 67, fields: { fileHash: hash.subarray(0, 8), blockNum: n, blockData: data } }], true);
  }
  blocks(image: Uint8Array, which: number[], hash = sha(image), tamper?: (n: number, d: Uint8Array) => Uint8Array) {
    for (const n of which) {
      const data = image.subarray(n * BLOCK, (n + 1) * BLOCK);
      expect(this.block(hash, n, tamper ? tamper(n, data) : data).code).toBe('2.01');
    }
  }
  slots() {
    const ack = this.request({ type: 'CON', code: '0.01', messageId: this.mid++, uriPath: ['c', '75'] })!;
    return fields(ack.payload).map((t) => t.value!);
  }
  response(ack: { payload: Uint8Array }) {
    return fields(ack.payload)[0]!.value!['response'];
  }
  /** Advances device time until the meter goes off (a reboot); returns the device seconds it took. */
  untilReboot(maxSec: number): number | undefined {
    let off = false;
    const listener = (s: { to: string }) => (off ||= s.to === 'off');
    this.agent.on('state', listener);
    const t0 = this.time.now();
    for (let i = 0; i < maxSec * 10 && !off; i++) this.time.advance(100);
    this.agent.off('state', listener);
    return off ? (this.time.now() - t0) / 1000 : undefined;
  }
}

const image = buildImage({ version: '6.0.1', hwId: HW, size: 5000, seed: 3 });
const blocks = [...Array(Math.ceil(image.length / BLOCK)).keys()];
const bench = (faults: FaultName[] = [], o: BenchOptions = {}) => new FirmwareBench({ faults, ...o });

describe('transfer, blocks and the bitmap', () => {
  test('group-addressed flow: GroupAssign → TransferRequest → ImageBlocks with progress → LoadRequest → reboot into the new image', () => {
    const b = new FirmwareBench({ settings: { groups: { firmware: 243 } } });
    const hash = sha(image);
    const tr = { type: 65, fields: { hwInfo: { hwId: HW }, fileHash: hash, fileName: 'meter-fw-6.0.1', version: '6.0.1', fileSize: image.length, blockSize: BLOCK } };
    // Group-addressed transfer to 317 is refused while the meter is in 243.
    expect(b.post([gm(317), tr]).code).toBe('4.00');
    expect(b.post([{ type: 55, fields: { type: 2, id: 317 } }]).code).toBe('2.01');
    // NON with a=: accepted transfers produce no TransferResponse (doc 6.7), so a code-0 notification.
    b.request({ type: 'NON', code: '0.02', messageId: 3, token: Uint8Array.of(0x42), uriPath: ['c'], uriQuery: ['a=1'], payload: signed(tlvBytes([gm(317), tr]), keys().privateKey, b.nowSec()) });
    const n = b.take(isPost('c'))!;
    expect(n.msg.token).toEqual(Uint8Array.of(0x42));
    expect(fields(n.msg.payload)[1]!.value).toEqual({ code: 0 });

    // ImageBlock is signature-exempt; DescriptionRequest "75" shows progress: block 0 of 10 is 80 00 (doc 6.7).
    const first = b.post([gm(317), { type: 67, fields: { fileHash: hash.subarray(0, 8), blockNum: 0, blockData: image.subarray(0, BLOCK) } }, { type: 8, fields: { tlvid: ['75'] } }], true);
    expect(first.code).toBe('2.01');
    const upload = fields(first.payload).find((t) => t.type === 75 && t.value!['index'] === 2)!.value!;
    expect([upload['version'], toHex(upload['bitmap'] as Uint8Array)]).toEqual(['6.0.1', '8000']);
    b.blocks(image, blocks.slice(1));
    const done = b.slots().find((s) => s['index'] === 2)!;
    expect(toHex(done['bitmap'] as Uint8Array)).toBe('ffc0');

    const loadAt = b.nowSec() + 120;
    const load = b.post([gm(317), { type: 68, fields: { fileHash: hash, loadTime: loadAt } }]);
    expect(fields(load.payload).map((t) => t.type)).toEqual([72, 18]);
    expect(fields(load.payload)[0]!.value).toEqual({ fileHash: hash, response: 0, loadTime: loadAt });
    expect(fields(b.request({ type: 'CON', code: '0.01', messageId: 31, uriPath: ['c', '68'] })!.payload)[0]!.value).toEqual({ fileHash: hash, loadTime: loadAt });
    expect(b.slots().find((s) => s['index'] === 2)!['loadTime']).toBe(loadAt);

    // The load timer fires between delay/2 and 2 × delay; then the meter reboots and registers.
    const after = b.untilReboot(300)!;
    expect(after).toBeGreaterThanOrEqual(60);
    expect(after).toBeLessThanOrEqual(240);
    b.out.length = 0;
    const rows = fields(b.until(isPost('r'), 60).msg.payload);
    const slots = rows.filter((t) => t.type === 75).map((t) => t.value!);
    expect(slots.map((s) => [s['index'], s['version'], s['isRunning'] ?? false, s['isDefault'] ?? false])).toEqual([
      [1, '5.6.21', false, false],
      [2, '6.0.1', true, false],
      [3, '5.2.25', false, true],
    ]);
    expect(rows.find((t) => t.type === 11)!.value!['entPhysicalFirmwareRev']).toBe('6.0.1');
    expect(rows.filter((t) => t.type === 58).map((t) => t.value)).toEqual([{ type: 2, id: 317 }]);
  });

  test('refusals come back as TransferResponse codes; acceptance as 2.01 empty', () => {
    const b = bench([], { identity: { slotSize: 30 * 1024 } });
    const hash = sha(image);
    const tr = (extra: Record<string, unknown>) => b.post([{ type: 65, fields: { hwInfo: { hwId: HW }, fileHash: hash, fileSize: 5000, blockSize: 1024, ...extra } }]);
    expect(b.response(tr({ hwInfo: { hwId: 'OTHER' } }))).toBe(1);
    expect(b.response(tr({ hwInfo: {} }))).toBe(1);
    expect(b.response(tr({ hwInfo: undefined }))).toBe(1);
    expect(b.response(tr({ fileHash: hash.subarray(0, 16) }))).toBe(6);
    expect(b.response(tr({ fileSize: 30 * 1024 + 1 }))).toBe(4);
    expect(b.response(tr({ blockSize: 2 }))).toBe(7);
    expect(b.response(tr({ blockSize: 1025 }))).toBe(7);
    expect(b.response(tr({ fileHash: new Uint8Array(32).fill(0x11) }))).toBe(12);
    expect(b.response(tr({ fileHash: new Uint8Array(32).fill(0x33) }))).toBe(13);
    expect(tr({ fileSize: 30 * 1024 }).payload.length).toBe(0);
    expect(b.response(tr({}))).toBe(11);
    expect(b.response(b.post([{ type: 68, fields: { fileHash: hash, loadTime: b.nowSec() + 60 } }]))).toBe(2);
    expect(b.response(b.post([{ type: 68, fields: { fileHash: new Uint8Array(32).fill(9), loadTime: 0 } }]))).toBe(3);
    expect(b.response(b.post([{ type: 68, fields: { fileHash: new Uint8Array(32).fill(0x11), loadTime: 0 } }]))).toBe(9);
    expect(b.response(b.post([{ type: 70, fields: { fileHash: hash } }]))).toBe(2);
  });

  test('a block that is not for the upload is a handler error (4.04); a repeated block changes nothing', () => {
    const b = bench();
    const hash = sha(image);
    b.transfer(image);
    expect(b.block(new Uint8Array(8).fill(7), 0, image.subarray(0, BLOCK)).code).toBe('4.04');
    expect(b.block(hash, 99, image.subarray(0, BLOCK)).code).toBe('4.04');
    expect(b.block(hash, 0, new Uint8Array(BLOCK + 1)).code).toBe('4.04');
    b.blocks(image, [0, 0, 3]);
    expect(toHex(b.slots()[1]!['bitmap'] as Uint8Array)).toBe('9000');
  });
});

describe('integrity: a corrupted block or a wrong hash is never loadable', () => {
  const corrupt = (n: number, d: Uint8Array) => (n === 4 ? d.map((x, i) => (i === 7 ? x ^ 0x01 : x)) : d);

  test.each([
    ['healthy', [] as FaultName[], 5],
    ['accepts-bad-hash', ['accepts-bad-hash'] as FaultName[], 0],
  ])('%s: LoadRequest after a corrupted block answers %i', (_name, faults, code) => {
    const b = bench(faults);
    b.transfer(image);
    b.blocks(image, blocks, sha(image), corrupt);
    expect(toHex(b.slots()[1]!['bitmap'] as Uint8Array)).toBe('ffc0');
    expect(b.response(b.post([{ type: 68, fields: { fileHash: sha(image), loadTime: b.nowSec() + 60 } }]))).toBe(code);
  });

  test.each([
    ['healthy: refused with 5, the backup slot keeps its image', [] as FaultName[], 5, '5.2.25'],
    ['backup-accepts-bad-hash: taken, the corrupted image becomes the backup', ['backup-accepts-bad-hash'] as FaultName[], 0, '6.0.1'],
  ])('SetBackupRequest after a corrupted block, %s', (_name, faults, code, backup) => {
    const b = bench(faults);
    b.transfer(image);
    b.blocks(image, blocks, sha(image), corrupt);
    expect(b.response(b.post([{ type: 70, fields: { fileHash: sha(image) } }]))).toBe(code);
    expect(b.slots().find((s) => s['isDefault'])!['version']).toBe(backup);
  });

  test('backup-accepts-bad-hash: an image that does not boot then falls back to the corrupted backup', () => {
    const b = bench(['backup-accepts-bad-hash']);
    b.transfer(image);
    b.blocks(image, blocks, sha(image), corrupt);
    expect(b.response(b.post([{ type: 70, fields: { fileHash: sha(image) } }]))).toBe(0);
    const broken = buildImage({ version: '6.0.2', hwId: HW, size: 3000, seed: 9, boots: false });
    b.transfer(broken, { version: '6.0.2' });
    b.blocks(broken, [...Array(Math.ceil(broken.length / BLOCK)).keys()], sha(broken));
    expect(b.response(b.post([{ type: 68, fields: { fileHash: sha(broken), loadTime: b.nowSec() + 60 } }]))).toBe(0);
    expect(b.untilReboot(200)).toBeDefined();
    const running = b.slots().find((s) => s['isRunning'])!;
    expect([running['version'], running['isDefault'], toHex(running['fileHash'] as Uint8Array)]).toEqual(['6.0.1', true, toHex(sha(image))]);
  });

  test('a hash that is not the file\'s: 5 SIGNATURE_FAILED for load and set-backup', () => {
    const b = bench();
    const lie = new Uint8Array(32).fill(0x5a);
    b.transfer(image, { fileHash: lie });
    b.blocks(image, blocks, lie);
    expect(b.response(b.post([{ type: 68, fields: { fileHash: lie, loadTime: 0 } }]))).toBe(5);
    expect(b.response(b.post([{ type: 70, fields: { fileHash: lie } }]))).toBe(5);
  });
});

describe('power loss mid-transfer', () => {
  test.each([
    ['healthy: the written blocks survive and only the others are missing', [] as FaultName[], 'e000'],
    ['loses-upload-slot-on-power-loss: the upload slot is empty again', ['loses-upload-slot-on-power-loss'] as FaultName[], undefined],
  ])('%s', (_name, faults, bitmap) => {
    const b = bench(faults);
    b.transfer(image);
    b.blocks(image, [0, 1, 2]);
    b.agent.shutdown();
    b.agent.boot();
    const upload = b.slots()[1]!;
    expect(upload['bitmap'] === undefined ? undefined : toHex(upload['bitmap'] as Uint8Array)).toBe(bitmap);
    expect(upload['version']).toBe(bitmap ? '6.0.1' : '');
  });

  test.each([
    ['healthy: the resumed image is whole and loadable', [] as FaultName[], 0],
    ['tears-last-block-at-power-loss: block 2 was marked but never written, the resumed image fails its hash', ['tears-last-block-at-power-loss'] as FaultName[], 5],
  ])('%s', (_name, faults, code) => {
    const b = bench(faults);
    b.transfer(image);
    b.blocks(image, [0, 1, 2]);
    b.agent.shutdown();
    b.agent.boot();
    expect(toHex(b.slots()[1]!['bitmap'] as Uint8Array)).toBe('e000');
    b.blocks(image, blocks.slice(3));
    expect(toHex(b.slots()[1]!['bitmap'] as Uint8Array)).toBe('ffc0');
    expect(b.response(b.post([{ type: 68, fields: { fileHash: sha(image), loadTime: b.nowSec() + 60 } }]))).toBe(code);
  });

  test('tears-last-block-at-power-loss: without a power cut every buffered block reaches flash', () => {
    const b = bench(['tears-last-block-at-power-loss']);
    b.transfer(image);
    b.blocks(image, [...blocks].reverse());
    expect(b.response(b.post([{ type: 68, fields: { fileHash: sha(image), loadTime: b.nowSec() + 60 } }]))).toBe(0);
  });
});

describe('load time, cancel', () => {
  const uploaded = (faults: FaultName[] = []) => {
    const b = bench(faults);
    b.transfer(image);
    b.blocks(image, blocks);
    return b;
  };

  test('a past load time (the draft\'s 1 = now included) is refused with 6; 0 loads "soon": 500-2000 s', () => {
    const b = uploaded();
    expect(b.response(b.post([{ type: 68, fields: { fileHash: sha(image), loadTime: 1 } }]))).toBe(6);
    expect(b.response(b.post([{ type: 68, fields: { fileHash: sha(image), loadTime: 0 } }]))).toBe(0);
    const after = b.untilReboot(2100)!;
    expect(after).toBeGreaterThanOrEqual(500);
    expect(after).toBeLessThanOrEqual(2000);
  });

  test.each([
    ['healthy', [] as FaultName[], [300, 1200]],
    ['loads-at-wrong-time', ['loads-at-wrong-time'] as FaultName[], [0, 4]],
  ])('%s: a load 600 s ahead reboots within %j s', (_n, faults, [lo, hi]) => {
    const b = uploaded(faults);
    b.post([{ type: 68, fields: { fileHash: sha(image), loadTime: b.nowSec() + 600 } }]);
    const after = b.untilReboot(1300)!;
    expect(after).toBeGreaterThanOrEqual(lo!);
    expect(after).toBeLessThanOrEqual(hi!);
  });

  test.each([
    ['healthy: cancelled, no reboot, the old image runs', [] as FaultName[], undefined, '5.6.21'],
    ['ignores-cancel-load: answers OK and loads anyway', ['ignores-cancel-load'] as FaultName[], 'reboots', '6.0.1'],
  ])('%s', (_n, faults, reboot, running) => {
    const b = uploaded(faults);
    b.post([{ type: 68, fields: { fileHash: sha(image), loadTime: b.nowSec() + 100 } }]);
    const cancel = b.post([{ type: 69, fields: { fileHash: sha(image) } }]);
    expect(fields(cancel.payload)[0]!.value).toEqual({ fileHash: sha(image), response: 0 });
    expect(b.response(b.post([{ type: 69, fields: { fileHash: new Uint8Array(32).fill(4) } }]))).toBe(3);
    expect(b.untilReboot(250) === undefined ? undefined : 'reboots').toBe(reboot);
    b.time.advance(60_000);
    expect(b.slots().find((s) => s['isRunning'])!['version']).toBe(running);
  });

  test.each([
    ['healthy: the cancelled image is not started at the next power-up', [] as FaultName[], '5.6.21'],
    ['cancelled-load-runs-at-next-boot: no reboot at the load time, but the next power-up starts it', ['cancelled-load-runs-at-next-boot'] as FaultName[], '6.0.1'],
  ])('%s', (_n, faults, running) => {
    const b = uploaded(faults);
    b.post([{ type: 68, fields: { fileHash: sha(image), loadTime: b.nowSec() + 100 } }]);
    expect(b.response(b.post([{ type: 69, fields: { fileHash: sha(image) } }]))).toBe(0);
    expect(b.untilReboot(250)).toBeUndefined();
    expect(b.slots().find((s) => s['isRunning'])!['version']).toBe('5.6.21');
    b.agent.shutdown();
    b.agent.boot();
    expect(b.slots().find((s) => s['isRunning'])!['version']).toBe(running);
  });

  test('cancelled-load-runs-at-next-boot: a load that fires clears its record, so the next power-up keeps the image loaded', () => {
    const b = uploaded(['cancelled-load-runs-at-next-boot']);
    b.post([{ type: 68, fields: { fileHash: sha(image), loadTime: b.nowSec() + 60 } }]);
    expect(b.untilReboot(200)).toBeDefined();
    expect(b.slots().find((s) => s['isRunning'])!['version']).toBe('6.0.1');
    // Back to the old image: its load is recorded and fires; the power-up after it starts nothing else.
    expect(b.response(b.post([{ type: 68, fields: { fileHash: new Uint8Array(32).fill(0x11), loadTime: b.nowSec() + 60 } }]))).toBe(0);
    expect(b.untilReboot(200)).toBeDefined();
    b.agent.shutdown();
    b.agent.boot();
    expect(b.slots().find((s) => s['isRunning'])!['version']).toBe('5.6.21');
    expect(b.slots().every((s) => s['loadTime'] === undefined)).toBe(true);
  });

  test('reports-old-version-after-load: reboots, but the old image still shows as running', () => {
    const b = uploaded(['reports-old-version-after-load']);
    b.post([{ type: 68, fields: { fileHash: sha(image), loadTime: b.nowSec() + 60 } }]);
    expect(b.untilReboot(200)).toBeDefined();
    expect(b.slots().find((s) => s['isRunning'])!['version']).toBe('5.6.21');
  });
});

describe('set backup, an image that does not boot, fallback', () => {
  const broken = buildImage({ version: '6.0.2', hwId: HW, size: 3000, seed: 9, boots: false });

  const loadBroken = (faults: FaultName[]) => {
    const b = bench(faults);
    // The running image becomes the backup; then a new image that fails to start is loaded.
    expect(b.response(b.post([{ type: 70, fields: { fileHash: new Uint8Array(32).fill(0x11) } }]))).toBe(0);
    b.transfer(broken, { version: '6.0.2' });
    b.blocks(broken, [...Array(Math.ceil(broken.length / BLOCK)).keys()], sha(broken));
    expect(b.response(b.post([{ type: 68, fields: { fileHash: sha(broken), loadTime: b.nowSec() + 60 } }]))).toBe(0);
    expect(b.untilReboot(200)).toBeDefined();
    b.out.length = 0;
    return b;
  };

  test('healthy: falls back to the backup, registers, and shows the backup slot running', () => {
    const b = loadBroken([]);
    const rows = fields(b.until(isPost('r'), 60).msg.payload).filter((t) => t.type === 75).map((t) => t.value!);
    expect(rows.map((s) => [s['index'], s['version'], s['isRunning'] ?? false, s['isDefault'] ?? false])).toEqual([
      [1, '5.6.21', false, false],
      [2, '6.0.2', false, false],
      [3, '5.6.21', true, true],
    ]);
  });

  test('no-fallback-when-image-fails: stays down on the broken image, also after a power cycle', () => {
    const b = loadBroken(['no-fallback-when-image-fails']);
    expect(b.agent.state).toBe('crashed');
    expect(b.agent.crash?.message).toBe("no-bootable-image: slot 2 (6.0.2) does not boot: image marked as not booting");
    b.agent.shutdown();
    b.agent.boot();
    expect(b.agent.state).toBe('crashed');
  });

  test('crashes-without-hwinfo: the reference sample dies on a TransferRequest without hwInfo (SIGSEGV)', () => {
    const b = bench(['crashes-without-hwinfo']);
    b.post([{ type: 65, fields: { fileHash: sha(image) } }]);
    expect([b.agent.state, b.agent.crash?.signal]).toEqual(['crashed', 'SIGSEGV']);
  });
});
