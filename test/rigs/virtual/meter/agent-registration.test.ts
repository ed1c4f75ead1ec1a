import { decodeTlvs } from '../../../../harness/csmp/tlv.js';
import { decodeValue } from '../../../../harness/csmp/value.js';
import { AgentBench, fields, isPost, keys } from '../support/agent-bench.js';
import { signed, tlvBytes } from '../support/nms-signer.js';
import { hexBytes } from '../../../support/hex.js';
import { REGISTER_PAYLOAD } from '../../../support/register-vector.js';
import { toHex } from '../../../../core/bytes.js';


function frame1Types(): { types: number[]; lengthBytes: number[] } {
  const tlvs = decodeTlvs(hexBytes(REGISTER_PAYLOAD));
  return { types: tlvs.map((t) => t.type), lengthBytes: tlvs.map((t) => t.lengthBytes) };
}

/** Consecutive rows of one table TLV collapse to one entry (FirmwareImageInfo has one row per slot). */
function runs(types: number[]): number[] {
  return types.filter((t, i) => i === 0 || types[i - 1] !== t || t !== 75);
}

describe('MeterAgent registration', () => {
  test('POST /r: TLV types in the order of csmp_register.pcap frame 1, two-byte lengths, every field decodes', () => {
    const b = new AgentBench();
    b.agent.boot();
    const { msg, d } = b.until(isPost('r'));
    expect(msg.type).toBe('CON');
    expect(msg.token.length).toBe(0);
    expect(msg.messageId).toBe(0);
    expect(d.dst).toBe('fd00::1');
    expect(d.dstPort).toBe(61628);
    expect(d.src).toBe('fd00::101');
    expect(toHex(d.payload.subarray(0, 7))).toBe('40020000b172ff');

    const ours = decodeTlvs(msg.payload);
    const ref = frame1Types();
    expect(runs(ours.map((t) => t.type))).toEqual(runs(ref.types));
    expect(ours.filter((t) => t.type === 75).length).toBe(3);
    // The agent's quirk: every length in a two-byte slot, (len|80) 00 below 128.
    expect(ours.every((t) => t.lengthBytes === 2)).toBe(true);
    expect(ref.lengthBytes.every((n) => n === 2)).toBe(true);
    for (const t of ours) {
      const v = decodeValue(t);
      expect(v.error).toBeUndefined();
      expect(v.value).toBeDefined();
    }
    const f = fields(msg.payload);
    expect(f[0]!.value).toEqual({ type: 1, id: '0A0027FFFE3B2AB2' });
    expect(f[1]!.value!['posix']).toBe(b.nowSec());
    expect(b.stat('regAttempts')).toBe(1);
  });

  test('retries on the trickle timer at the seconds the reference sample does (10/20 s: 0, 17, 36)', () => {
    const b = new AgentBench();
    const t0 = b.nowSec();
    b.agent.boot();
    const at: number[] = [];
    for (let i = 0; i < 4; i++) {
      b.until(isPost('r'));
      at.push(b.nowSec() - t0);
    }
    // srand(0x2AB2): t0 = 5, first fire 5+5+1 = 11 s after start; then the doc's +17 and +19.
    expect(at[0]).toBe(11);
    expect(at.slice(0, 3).map((s) => s - at[0]!)).toEqual([0, 17, 36]);
    expect(at[3]! - at[2]!).toBeGreaterThanOrEqual(10);
    expect(at[3]! - at[2]!).toBeLessThan(30);
    expect(b.stat('regAttempts')).toBe(4);
  });

  test('a signed 2.03 is verified (sigOk), applied, and the first report follows at once', () => {
    const b = new AgentBench();
    b.agent.boot();
    const reg = b.until(isPost('r'));
    const body = signed(
      tlvBytes([
        { type: 13, fields: { interval: 900, tlvid: ['22', '35'] } },
        { type: 7, fields: { id: '1' } },
      ]),
      keys().privateKey,
      b.nowSec(),
    );
    b.reply({ type: 'ACK', code: '2.03', messageId: reg.msg.messageId, payload: body });
    expect(b.agent.state).toBe('registered');
    expect(b.stat('sigOk')).toBe(1);
    expect(b.stat('regSucceed')).toBe(1);
    const report = b.take(isPost('c'))!;
    expect(report.msg.type).toBe('NON');
    expect(fields(report.msg.payload).map((t) => t.type)).toEqual([7, 18, 22, 35]);
    expect(fields(report.msg.payload)[0]!.value).toEqual({ id: '1' });
    // Next reports: one per interval, in the second half of it.
    const t1 = b.nowSec();
    b.until(isPost('c'), 2000);
    const gap1 = b.nowSec() - t1;
    expect(gap1).toBeGreaterThanOrEqual(450);
    expect(gap1).toBeLessThan(1800);
  });
});
