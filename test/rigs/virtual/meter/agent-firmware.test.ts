import { createHash } from 'node:crypto';
import { AgentBench, fields, isPost, keys } from '../support/agent-bench.js';
import { signed, tlvBytes } from '../support/nms-signer.js';
import { toHex } from '../../../../core/bytes.js';

const image = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff);
const hash = Uint8Array.from(createHash('sha256').update(image).digest());
// 1024-byte blocks would not fit the agent's 1024-byte receive buffer with their headers (doc 10.2).
const BLOCK = 512;
const gm = (id: number) => ({ type: 57, fields: { type: 2, id } });

describe('firmware transfer far enough to move a meter between firmware images and groups', () => {
  test('GroupAssign → TransferRequest → ImageBlocks → LoadRequest → reboot into the new image', () => {
    const b = new AgentBench({ settings: { groups: { firmware: 243 } } });
    b.agent.boot();
    const k = keys().privateKey;
    const con = (payload: Uint8Array, mid: number) => b.request({ type: 'CON', code: '0.02', messageId: mid, uriPath: ['c'], payload })!;

    // Group-addressed transfer to 317 is refused while the meter is in 243.
    const transfer = tlvBytes([
      gm(317),
      { type: 65, fields: { hwInfo: { hwId: 'RFLAN/3.60/3.80' }, fileHash: hash, fileName: 'meter-fw-6.0.1', version: '6.0.1', fileSize: image.length, blockSize: BLOCK } },
    ]);
    expect(con(signed(transfer, k, b.nowSec()), 1).code).toBe('4.00');
    expect(con(signed(tlvBytes([{ type: 55, fields: { type: 2, id: 317 } }]), k, b.nowSec()), 2).code).toBe('2.01');

    // NON with a=: accepted transfers produce no TransferResponse (doc 6.7), so a code-0 notification.
    b.request({ type: 'NON', code: '0.02', messageId: 3, token: Uint8Array.of(0x42), uriPath: ['c'], uriQuery: ['a=1'], payload: signed(transfer, k, b.nowSec()) });
    const n = b.take(isPost('c'))!;
    expect(n.msg.token).toEqual(Uint8Array.of(0x42));
    expect(fields(n.msg.payload)[1]!.value).toEqual({ code: 0 });

    const blocks = Math.ceil(image.length / BLOCK);
    for (let i = 0; i < blocks; i++) {
      const data = image.subarray(i * BLOCK, (i + 1) * BLOCK);
      const items = [gm(317), { type: 67, fields: { fileHash: hash.subarray(0, 8), blockNum: i, blockData: data } }];
      if (i === 0) {
        // ImageBlock is signature-exempt; DescriptionRequest "75" shows progress (bitmap).
        const ack = con(tlvBytes([...items, { type: 8, fields: { tlvid: ['75'] } }]), 10 + i);
        expect(ack.code).toBe('2.01');
        const upload = fields(ack.payload).find((t) => t.type === 75 && t.value!['index'] === 2)!.value!;
        expect(upload['version']).toBe('6.0.1');
        expect(toHex(upload['bitmap'] as Uint8Array)).toBe('8000'); // block 0 of 10 (doc 6.7: 3a 02 80 00)
      } else {
        expect(con(tlvBytes(items), 10 + i).code).toBe('2.01');
      }
    }

    const loadAt = b.nowSec() + 120;
    const load = con(signed(tlvBytes([gm(317), { type: 68, fields: { fileHash: hash, loadTime: loadAt } }]), k, b.nowSec()), 30);
    expect(load.code).toBe('2.01');
    const out = fields(load.payload);
    expect(out.map((t) => t.type)).toEqual([72, 18]);
    expect(out[0]!.value).toEqual({ fileHash: hash, response: 0, loadTime: loadAt });
    expect(fields(b.request({ type: 'CON', code: '0.01', messageId: 31, uriPath: ['c', '68'] })!.payload)[0]!.value).toEqual({ fileHash: hash, loadTime: loadAt });

    // The load timer fires between delay/2 and 2 × delay; then the meter reboots and registers.
    let rebooted = false;
    b.agent.on('state', (s) => (rebooted ||= s.to === 'off'));
    for (let i = 0; i < 3000 && !rebooted; i++) b.time.advance(100);
    expect(rebooted).toBe(true);
    b.out.length = 0;
    const reg = b.until(isPost('r'), 60);
    const rows = fields(reg.msg.payload);
    const running = rows.filter((t) => t.type === 75).find((t) => t.value!['isRunning'])!.value!;
    expect(running['version']).toBe('6.0.1');
    expect(rows.find((t) => t.type === 11)!.value!['entPhysicalFirmwareRev']).toBe('6.0.1');
    expect(rows.filter((t) => t.type === 58).map((t) => t.value)).toEqual([{ type: 2, id: 317 }]);
  });

  test('refusals come back as TransferResponse / LoadResponse codes', () => {
    const b = new AgentBench();
    b.agent.boot();
    const k = keys().privateKey;
    const con = (items: { type: number; fields: Record<string, unknown> }[], mid: number) =>
      b.request({ type: 'CON', code: '0.02', messageId: mid, uriPath: ['c'], payload: signed(tlvBytes(items), k, b.nowSec()) })!;
    const tr = (extra: Record<string, unknown>) => ({ type: 65, fields: { hwInfo: { hwId: 'RFLAN/3.60/3.80' }, fileHash: hash, fileSize: 5000, blockSize: 1024, ...extra } });
    const code = (ack: { payload: Uint8Array }) => fields(ack.payload)[0]!.value!['response'];
    expect(code(con([tr({ hwInfo: { hwId: 'OTHER' } })], 1))).toBe(1);
    expect(code(con([tr({ fileHash: hash.subarray(0, 16) })], 2))).toBe(6);
    expect(code(con([tr({ fileSize: 10_000_000 })], 3))).toBe(4);
    expect(code(con([tr({ blockSize: 2 })], 4))).toBe(7);
    expect(code(con([tr({ fileHash: new Uint8Array(32).fill(0x11) })], 5))).toBe(12);
    expect(con([tr({})], 6).payload.length).toBe(0);
    expect(code(con([tr({})], 7))).toBe(11);
    expect(code(con([{ type: 68, fields: { fileHash: hash, loadTime: b.nowSec() + 60 } }], 8))).toBe(2);
    expect(code(con([{ type: 68, fields: { fileHash: new Uint8Array(32).fill(9), loadTime: 0 } }], 9))).toBe(3);
  });

  test('TransferRequest without hwInfo crashes the agent like the sample (SIGSEGV)', () => {
    const b = new AgentBench();
    b.agent.boot();
    b.request({ type: 'CON', code: '0.02', messageId: 1, uriPath: ['c'], payload: signed(tlvBytes([{ type: 65, fields: { fileHash: hash } }]), keys().privateKey, b.nowSec()) });
    expect(b.agent.state).toBe('crashed');
    expect(b.agent.crash?.signal).toBe('SIGSEGV');
  });
});
