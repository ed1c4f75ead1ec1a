/**
 * The models behind the crash classes the robustness judge tells apart (harness/steps/crash-class.ts):
 * rebooted (reboot-on-oversized-datagram, reboot-loop), hung (hang-on-slip-garbage) and degraded
 * (reset-stats-on-unknown-tlv). Each against a healthy meter given the same input.
 */
import { describe, expect, test } from '@jest/globals';
import type { FaultName } from '../../../../rigs/virtual/meter/faults.js';
import { AgentBench, fields, isPost, keys, type BenchOptions } from '../support/agent-bench.js';
import { signed, tlvBytes } from '../support/nms-signer.js';

const rs = tlvBytes([{ type: 13, fields: { interval: 900, tlvid: ['22'] } }]);
/** The robustness suite's oversized datagram: POST /c, zero-length DescriptionRequest, padded to 1400 bytes. */
const OVERSIZED = Uint8Array.from([0x40, 0x02, 0x7e, 0x0e, 0xb1, 0x63, 0xff, 0x08, 0x00, ...new Array<number>(1400 - 9).fill(0)]);
/** POST /c with an unknown TLV type (240, empty). */
const UNKNOWN_TLV = Uint8Array.from([0x40, 0x02, 0x7e, 0x0a, 0xb1, 0x63, 0xff, 0xf0, 0x01, 0x00]);

function registered(o: BenchOptions = {}): AgentBench {
  const b = new AgentBench(o);
  b.agent.boot();
  const reg = b.until(isPost('r'));
  b.reply({ type: 'ACK', code: '2.03', messageId: reg.msg.messageId, payload: signed(rs, keys().privateKey, b.nowSec()) });
  expect(b.agent.state).toBe('registered');
  return b;
}
const uptime = (b: AgentBench): unknown => fields(b.request({ type: 'CON', code: '0.01', messageId: 90, uriPath: ['c', '22'] })!.payload)[0]?.value?.['sysUpTime'];
const both = (f: FaultName, o: BenchOptions = {}): [AgentBench, AgentBench] => [registered({ ...o, faults: [f] }), registered(o)];

describe('crash-class models', () => {
  test('reboot-on-oversized-datagram: a 1400-byte datagram resets the board (uptime from 0, registering again); healthy answers 4.xx and stays', () => {
    const [faulty, healthy] = both('reboot-on-oversized-datagram');
    for (const b of [faulty, healthy]) b.time.advance(120_000);
    const before = uptime(healthy) as number;
    expect(before).toBeGreaterThanOrEqual(120);
    expect(faulty.raw(OVERSIZED)).toEqual([]);
    expect(faulty.agent.state).toBe('registering');
    expect(faulty.stat('regSucceed')).toBe(0);
    expect(uptime(faulty)).toBe(0);
    faulty.until(isPost('r'), 30);
    expect(healthy.raw(OVERSIZED).length).toBe(1);
    expect(healthy.agent.state).toBe('registered');
    expect(uptime(healthy)).toBe(before);
    // A datagram that fits (1232 bytes of CoAP: 1280 with headers) is no reset.
    expect(registered({ faults: ['reboot-on-oversized-datagram'] }).raw(OVERSIZED.subarray(0, 1232)).length).toBe(1);
  });

  test('hang-on-slip-garbage: garbage on the line stops the agent and says so to the board; healthy ignores it', () => {
    const [faulty, healthy] = both('hang-on-slip-garbage');
    const hung: string[] = [];
    faulty.agent.on('hang', () => hung.push('hang'));
    faulty.agent.lineGarbage();
    healthy.agent.lineGarbage();
    expect(hung).toEqual(['hang']);
    expect(faulty.agent.state).toBe('crashed');
    expect(faulty.agent.crash?.message).toBe('hang: garbage between SLIP frames: the SLIP receiver spins with interrupts off');
    expect(faulty.request({ type: 'CON', code: '0.01', messageId: 5, uriPath: ['c', '2'] })).toBeUndefined();
    expect(healthy.agent.state).toBe('registered');
    // Power cycle: a cold start that registers again.
    faulty.agent.shutdown();
    faulty.agent.boot();
    faulty.until(isPost('r'), 30);
  });

  test('reset-stats-on-unknown-tlv: an unknown TLV type zeroes CGMSStats, the meter still answers and stays registered', () => {
    const [faulty, healthy] = both('reset-stats-on-unknown-tlv');
    for (const b of [faulty, healthy]) {
      expect(b.stat('regSucceed')).toBe(1);
      expect(b.raw(UNKNOWN_TLV).length).toBe(1);
      expect(b.agent.state).toBe('registered');
    }
    expect([faulty.stat('regSucceed'), faulty.stat('regAttempts'), faulty.stat('sigOk')]).toEqual([0, 0, 0]);
    expect([healthy.stat('regSucceed'), healthy.stat('regAttempts'), healthy.stat('sigOk')]).toEqual([1, 1, 1]);
    // A known type (GroupAssign, unsigned: 4.03), or one within the table (0: the padding of an oversized datagram), leaves the counters alone.
    const padding = registered({ faults: ['reset-stats-on-unknown-tlv'] });
    padding.raw(OVERSIZED);
    expect(padding.stat('regSucceed')).toBe(1);
    const known = registered({ faults: ['reset-stats-on-unknown-tlv'] });
    known.raw(tlvPost(tlvBytes([{ type: 55, fields: { type: 2, id: 1 } }])));
    expect(known.stat('regSucceed')).toBe(1);
  });

  test('reboot-loop: a cold start every rebootEvery device seconds after each boot, registering each time', () => {
    const b = registered({ faults: ['reboot-loop'], rebootEvery: 40 });
    const boots: number[] = [];
    b.agent.on('state', (s) => s.to === 'registering' && boots.push(b.nowSec()));
    const start = b.nowSec();
    for (let i = 0; i < 3; i++) {
      const reg = b.until(isPost('r'), 60);
      b.reply({ type: 'ACK', code: '2.03', messageId: reg.msg.messageId, payload: signed(rs, keys().privateKey, b.nowSec()) });
      expect(b.agent.state).toBe('registered');
    }
    // Each reset falls 40 s (to the next whole second) after the boot before it.
    expect(boots.length).toBe(3);
    const gaps = boots.slice(1).map((t, i) => t - boots[i]!);
    expect(gaps.map((g) => Math.abs(g - 40) <= 1)).toEqual([true, true]);
    expect(boots[0]! - start).toBeLessThanOrEqual(40);
    expect(b.agent.cgmsStatus()['lastRegReason']).toBe(1);
    // Healthy: one registration, then quiet.
    const h = registered();
    h.out.length = 0;
    h.time.advance(600_000);
    expect(h.take(isPost('r'))).toBeUndefined();
  });
});

function tlvPost(payload: Uint8Array): Uint8Array {
  return Uint8Array.from([0x40, 0x02, 0x7e, 0x10, 0xb1, 0x63, 0xff, ...payload]);
}
