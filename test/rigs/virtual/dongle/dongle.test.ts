import fc from 'fast-check';
import { buildUdpPacket, parseUdpPacket } from '../../../../drivers/ip/packet.js';
import { SlipDecoder } from '../../../../drivers/slip/slip-decoder.js';
import { slipEncode } from '../../../../drivers/slip/slip-encode.js';
import { decodeCoap, encodeCoap } from '../../../../harness/coap/message.js';
import { VirtualDongle } from '../../../../rigs/virtual/dongle/dongle.js';
import { SeededRng } from '../../../../rigs/virtual/seeded-rng.js';
import { AgentBench, METER, NMS } from '../support/agent-bench.js';

/** A dongle with one meter behind it; harness-side frames are decoded as they come out. */
function rig(opts: { lossRate?: number; seed?: number; baudRate?: number } = {}) {
  const frames: Uint8Array[] = [];
  const decoder = new SlipDecoder();
  decoder.on('data', (f: Uint8Array) => frames.push(f));
  const dongle = new VirtualDongle({ baudRate: opts.baudRate ?? 1e9, rng: new SeededRng(opts.seed ?? 1), write: (b) => decoder.write(Buffer.from(b)) });
  const bench = new AgentBench();
  const send = dongle.attach({ name: 'meter-1', addresses: [METER, bench.agent.linkLocal], deliver: (d) => bench.agent.receive(d) }, { latencyMs: 0, jitterMs: 0, lossRate: opts.lossRate ?? 0 });
  // The bench collects what the agent sends; forward it into the mesh instead.
  const push = bench.out.push.bind(bench.out);
  bench.out.push = (...d) => {
    d.forEach((x) => send(x));
    return push(...d);
  };
  bench.agent.boot();
  return { dongle, frames, bench };
}

const getPacket = (mid: number) =>
  buildUdpPacket({ src: NMS, dst: METER, srcPort: 50000, dstPort: 61628, payload: encodeCoap({ type: 'CON', code: '0.01', messageId: mid, uriPath: ['c', '2'] }) });

function hasAck(frames: Uint8Array[], mid: number): boolean {
  return frames.some((f) => {
    try {
      const m = decodeCoap(parseUdpPacket(f).udp.payload);
      return m.type === 'ACK' && m.messageId === mid;
    } catch {
      return false; // not ours
    }
  });
}

/** Resolves once an ACK with `mid` has come out of the dongle. */
async function answered(frames: Uint8Array[], mid: number, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (hasAck(frames, mid)) return true;
    await new Promise((r) => setImmediate(r));
  }
  return false;
}

/**
 * Whether the exchange with `mid` came back (true) or the mesh lost the request or its answer
 * (false): decided by what the dongle did, not by how long a loaded machine took to do it.
 */
async function answeredOrLost(dongle: VirtualDongle, frames: Uint8Array[], mid: number): Promise<boolean> {
  const lost = (): number => {
    const d = dongle.nodeDrops('meter-1')!.snapshot();
    return (d['mesh: lost toward meter'] ?? 0) + (d['mesh: lost toward dongle'] ?? 0);
  };
  const before = lost();
  for (;;) {
    if (hasAck(frames, mid)) return true;
    if (lost() > before) return false;
    await new Promise((r) => setImmediate(r));
  }
}

describe('virtual dongle', () => {
  test('routes SLIP-framed IPv6/UDP by destination and frames the answer back', async () => {
    const { dongle, frames } = rig();
    dongle.input(slipEncode(getPacket(1)));
    expect(await answered(frames, 1)).toBe(true);
    const reply = parseUdpPacket(frames.find((f) => parseUdpPacket(f).udp.srcPort === 61628)!);
    expect(reply.udp.checksumOk).toBe(true);
    dongle.close();
  });

  test('bad input on the line is dropped or answered as the agent would, and the meter keeps working', async () => {
    const { dongle, frames, bench } = rig();
    const good = getPacket(2);
    const badChecksum = good.slice();
    badChecksum[46] = badChecksum[46]! ^ 0xff;
    const notUdp = good.slice();
    notUdp[6] = 58;
    const wrongVersion = good.slice();
    wrongVersion[0] = 0x40;
    const cases = [
      Uint8Array.of(0xc0, 0xdb, 0x01, 0x02, 0xc0), // bad SLIP escape
      Uint8Array.of(0xc0, 0xc0, 0xc0), // empty frames
      new Uint8Array(5000).fill(0x61), // oversized, unterminated...
      Uint8Array.of(0xc0), // ...then terminated
      slipEncode(good.subarray(0, 30)), // truncated IPv6
      slipEncode(badChecksum),
      slipEncode(notUdp),
      slipEncode(wrongVersion),
      slipEncode(Uint8Array.from([...good, 1, 2, 3])), // trailing bytes
      slipEncode(buildUdpPacket({ src: NMS, dst: 'fd00:99::1', srcPort: 1, dstPort: 61628, payload: Uint8Array.of(1) })), // no route
    ];
    for (const c of cases) dongle.input(c);
    expect(dongle.drops.get('slip: bad escape')).toBe(1);
    expect(dongle.drops.get('slip: oversize frame')).toBe(1);
    dongle.input(slipEncode(good));
    expect(await answered(frames, 2)).toBe(true);
    // The radio forwards anything IPv6-shaped; the meter's IP stack drops the rest.
    expect(dongle.drops.get('dongle: not IPv6')).toBe(2);
    expect(dongle.drops.get('dongle: no route')).toBe(1);
    expect(dongle.nodeDrops('meter-1')!.snapshot()).toEqual({
      'ip: bad UDP checksum': 1,
      'ip: ipv6: next header is not UDP': 1,
      'ip: ipv6: bytes after payload': 1,
    });
    expect(bench.agent.state).toBe('registering');
    dongle.close();
  });

  test('fuzz: arbitrary line noise never stops the meter', async () => {
    const { dongle, frames, bench } = rig();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (noise) => {
        dongle.input(noise);
        dongle.input(Uint8Array.of(0xc0));
      }),
      { numRuns: 300, seed: 7 },
    );
    dongle.input(slipEncode(getPacket(3)));
    expect(await answered(frames, 3)).toBe(true);
    expect(bench.agent.state).toBe('registering');
    dongle.close();
  });

  test('mesh loss repeats with the seed', async () => {
    const pattern = async (seed: number) => {
      const { dongle, frames } = rig({ lossRate: 0.5, seed });
      const got: boolean[] = [];
      for (let mid = 10; mid < 30; mid++) {
        dongle.input(slipEncode(getPacket(mid)));
        got.push(await answeredOrLost(dongle, frames, mid));
      }
      dongle.close();
      return got;
    };
    const a = await pattern(5);
    expect(await pattern(5)).toEqual(a);
    expect(a.some((x) => x)).toBe(true);
    expect(a.some((x) => !x)).toBe(true);
  });

  test('line rate: bytes take 10 bit times each', async () => {
    const { dongle, frames } = rig({ baudRate: 9600 });
    const t0 = performance.now();
    dongle.input(slipEncode(getPacket(40)));
    expect(await answered(frames, 40, 3000)).toBe(true);
    const ms = performance.now() - t0;
    // 56 SLIP bytes in, 78 out at 960 bytes/s: 140 ms on the wire (timers may round down a little).
    expect(ms).toBeGreaterThan(125);
    dongle.close();
  });
});
