import fc from 'fast-check';
import { decodeCoap, encodeCoap } from '../../../../harness/coap/message.js';
import { parseRequest, parseResponse } from '../../../../rigs/virtual/meter/agent-coap.js';
import { walkTlvs } from '../../../../rigs/virtual/meter/agent-tlv.js';
import { AgentBench, isPost, METER, NMS } from '../support/agent-bench.js';

const ALLOWED_ACK = new Set(['2.01', '2.05', '4.00', '4.01', '4.03', '4.04', '4.05', '5.00']);

function alive(b: AgentBench): void {
  const ack = b.request({ type: 'CON', code: '0.01', messageId: 0xbeef, uriPath: ['c', '2'] });
  expect(ack?.code).toBe('2.05');
  expect(b.agent.state).not.toBe('crashed');
}

describe('bad input to the meter gets the agent answer or a silent drop, and the meter keeps working', () => {
  test('agent CoAP and TLV readers never throw on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), (bytes) => {
        parseRequest(bytes);
        parseResponse(bytes);
        const { tlvs } = walkTlvs(bytes);
        for (const t of tlvs) expect(t.end).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 2000, seed: 11 },
    );
  });

  test('arbitrary datagrams to the server port: at most one ACK, echoing the Message ID, with an agent code', () => {
    const b = new AgentBench();
    b.agent.boot();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (bytes) => {
        const out = b.raw(bytes).filter((d) => d.srcPort === 61628);
        expect(out.length).toBeLessThanOrEqual(1);
        if (out.length === 1) {
          const ack = decodeCoap(out[0]!.payload);
          expect(ack.type).toBe('ACK');
          expect(ALLOWED_ACK.has(ack.code)).toBe(true);
          expect(ack.messageId).toBe(bytes.length >= 4 ? (bytes[2]! << 8) | bytes[3]! : 0);
          expect([out[0]!.dst, out[0]!.dstPort]).toEqual([NMS, 62590]);
        }
      }),
      { numRuns: 1500, seed: 12 },
    );
    alive(b);
  });

  test('arbitrary CON POST payloads (unknown TLVs, broken framing, unsigned) on a signature-requiring meter', () => {
    const b = new AgentBench();
    b.agent.boot();
    const tlvish = fc.array(
      fc.record({ type: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.constantFrom(7, 8, 13, 55, 57, 65, 67, 68, 76, 77, 127)), value: fc.uint8Array({ maxLength: 40 }) }),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(tlvish, fc.boolean(), (items, breakLast) => {
        const parts: number[] = [];
        for (const it of items) {
          let t = it.type;
          do {
            parts.push((t & 0x7f) | (t > 0x7f ? 0x80 : 0));
            t >>= 7;
          } while (t > 0);
          parts.push(it.value.length + (breakLast ? 3 : 0), ...it.value);
        }
        const ack = b.request({ type: 'CON', code: '0.02', messageId: 7, uriPath: ['c'], payload: Uint8Array.from(parts) });
        expect(ack).toBeDefined();
        expect(ALLOWED_ACK.has(ack!.code)).toBe(true);
        expect(b.agent.state).not.toBe('crashed');
      }),
      { numRuns: 800, seed: 13 },
    );
    alive(b);
  });

  test('arbitrary replies to the client socket never crash a signature-requiring agent', () => {
    const b = new AgentBench();
    b.agent.boot();
    b.until(isPost('r'));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('2.03', '2.04', '4.03', '5.00'), (payload, code) => {
        b.reply({ type: 'ACK', code, messageId: 0, payload });
        b.agent.receive({ src: NMS, srcPort: 61628, dst: METER, dstPort: b.agent.clientPort, payload });
        expect(b.agent.state).toBe('registering');
      }),
      { numRuns: 500, seed: 14 },
    );
    // Every non-2.xx reply counted, nothing registered without a valid signature.
    expect(b.stat('regSucceed')).toBe(0);
    expect(b.stat('sigOk')).toBe(0);
    alive(b);
  });

  test('oversized datagrams are cut at the agent receive buffer (1024 bytes), like the reference agent', () => {
    const b = new AgentBench();
    b.agent.boot();
    const big = encodeCoap({ type: 'CON', code: '0.02', messageId: 0x55, uriPath: ['c'], payload: Uint8Array.from([0x08, 0xf0, 0x07, ...new Uint8Array(1000)]) });
    const [ack] = b.raw(big);
    expect(decodeCoap(ack!.payload).code).toBe('4.00');
    alive(b);
  });
});
