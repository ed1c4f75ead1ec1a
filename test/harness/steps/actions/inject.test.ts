import { describe, expect, test } from '@jest/globals';
import { buildUdpPacket } from '../../../../drivers/ip/packet.js';
import type { LinkFrame } from '../../../../drivers/link/types.js';
import { Bench } from '../../../../harness/steps/bench.js';
import { CsmpStepExecutor } from '../../../../harness/steps/executor.js';
import { MemoryLink } from '../../../support/memory-link.js';
import { contextFor, memoryBenchPerTest, registrationSuite, suiteOf } from '../support/memory-bench.js';

const openBench = memoryBenchPerTest();

describe('raw frames and waits', () => {
  test('inject sends the bytes as a datagram from the NMS; wait lets rig time pass', async () => {
    const mb = await openBench({ meters: 1 });
    const frames: string[] = [];
    mb.link.on('frame', (f: { direction: string; ipv6: Uint8Array }) => frames.push(`${f.direction} ${Buffer.from(f.ipv6.subarray(48, 50)).toString('hex')}`));
    const ex = new CsmpStepExecutor(mb.bench);
    // CON GET /c?q=18, MID 0x1234: the meter answers ACK 2.05 (60 45) with the same MID.
    const s = suiteOf(registrationSuite('  - name: t\n    steps:\n      - inject: { hex: "40 01 12 34 b1 63 44 71 3d 31 38" }\n      - wait: 1m\n'));
    const ctx = contextFor(mb, s, 'meter-1');
    expect(await ex.execute(s.tests[0]!.steps[0]!, ctx)).toEqual({ status: 'passed' });
    const before = mb.clock.now();
    expect(await ex.execute(s.tests[0]!.steps[1]!, ctx)).toEqual({ status: 'passed' });
    expect(mb.clock.now() - before).toBeGreaterThanOrEqual(60_000);
    expect(frames).toContain('out 4001');
    expect(frames).toContain('in 6045');
    expect(ctx.logs).toEqual(['injected 11 bytes (coap) toward meter-1']);
  });
});

describe('inject answer: the answer the NMS would get, from where the message went to where it came from', () => {
  // CON GET /c?q=18, MID 0x7e01.
  const step = (answer: string): string => `  - name: t\n    steps:\n      - inject: { hex: "40 01 7e 01 b1 63 44 71 3d 31 38", answer: "${answer}" }\n`;

  test('answered where it came from: judged by its code', async () => {
    const mb = await openBench({ meters: 1 });
    const s = suiteOf(registrationSuite(step('2.05')));
    expect(await new CsmpStepExecutor(mb.bench).execute(s.tests[0]!.steps[0]!, contextFor(mb, s, 'meter-1'))).toEqual({ status: 'passed' });
    const wrong = suiteOf(registrationSuite(step('4.00')));
    const out = await new CsmpStepExecutor(mb.bench).execute(wrong.tests[0]!.steps[0]!, contextFor(mb, wrong, 'meter-1'));
    // The flowchart walked after it may add a branch of its own (the bench's meter is still registering).
    expect([out.status, out.message?.split(' — ')[0]]).toEqual(['failed', 'injected message answered 2.05, expected 4.00']);
  });

  test('an answer sent to another address or port than the message came from fails, naming both', async () => {
    const mb = await openBench({ meters: 1, faults: { 'meter-1': ['reply-to-nms-address'] } });
    const s = suiteOf(registrationSuite(step('2.05')));
    expect(await new CsmpStepExecutor(mb.bench).execute(s.tests[0]!.steps[0]!, contextFor(mb, s, 'meter-1'))).toEqual({
      status: 'failed',
      message: 'injected message answered 2.05 from [fd00:77::101]:61628 to [fd00::1]:61628, expected 2.05 from [fd00:77::101]:61628 to [fd00::1]:62590 (where it came from)',
      expected: '2.05 from [fd00:77::101]:61628 to [fd00::1]:62590',
      seen: '2.05 from [fd00:77::101]:61628 to [fd00::1]:61628',
      likelyCause: 'The device answers from or to another address or port than the message used, so the NMS that sent it never gets the answer.',
      fix: 'A CON message must be answered from the address and port it was sent to, to its exact source address and port (RFC 7252 5.3.2): fix the meter firmware.',
    });
  });
});

describe('inject layer ipv6: the packet as given, on links that carry raw packets', () => {
  // CON GET /c?q=18, MID 0x4321, in a UDP datagram from the NMS's request port to the meter.
  const coapGet = Uint8Array.from([0x40, 0x01, 0x43, 0x21, 0xb1, 0x63, 0x44, 0x71, 0x3d, 0x31, 0x38]);
  const packetHex = (clientPort: number): string =>
    Buffer.from(buildUdpPacket({ src: 'fd00::1', dst: 'fd00:77::101', srcPort: clientPort, dstPort: 61628, payload: coapGet })).toString('hex');

  test('a whole IPv6 packet reaches the meter unchanged, and it answers', async () => {
    const mb = await openBench({ meters: 1 });
    const packet = packetHex(mb.nms.clientPort);
    const sent: string[] = [];
    const answered = new Promise<string>((resolve) =>
      mb.link.on('frame', (f: LinkFrame) => {
        const hex = Buffer.from(f.ipv6).toString('hex');
        if (f.direction === 'out') sent.push(hex);
        // ACK 2.05 with the injected MID.
        else if (hex.slice(96, 104) === '60454321') resolve(hex.slice(96, 104));
      }),
    );
    const ex = new CsmpStepExecutor(mb.bench);
    const s = suiteOf(registrationSuite(`  - name: t\n    steps:\n      - inject: { hex: "${packet}", layer: ipv6 }\n`));
    const ctx = contextFor(mb, s, 'meter-1');
    expect(await ex.execute(s.tests[0]!.steps[0]!, ctx)).toEqual({ status: 'passed' });
    expect(sent).toEqual([packet]);
    expect(await answered).toBe('60454321');
    expect(ctx.logs).toEqual(['injected 59 bytes (ipv6) toward meter-1']);
  });

  test('a link that carries datagrams refuses it: a bench error naming the link, nothing sent', async () => {
    const mb = await openBench({ meters: 1 });
    const [datagrams] = MemoryLink.pair(['mesh', 'meters']);
    const bench = new Bench({ rig: mb.rig, nms: mb.nms, clock: mb.clock, timeScale: mb.clock.scale, links: new Map([['mesh', datagrams]]) });
    const s = suiteOf(registrationSuite(`  - name: t\n    steps:\n      - inject: { hex: "${packetHex(mb.nms.clientPort)}", layer: ipv6 }\n`));
    const out = await new CsmpStepExecutor(bench).execute(s.tests[0]!.steps[0]!, contextFor(mb, s, 'meter-1'));
    expect(out).toEqual({ status: 'error', message: "link 'mesh': inject layer ipv6: this link carries datagrams, not raw IPv6 packets" });
    expect(datagrams.sent).toEqual([]);
  });
});
