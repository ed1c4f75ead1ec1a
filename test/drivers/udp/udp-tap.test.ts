/**
 * hil monitor's UDP tap is the port's receiver: a port another program holds is refused with a
 * message that says why and what to do instead, and every datagram is delivered exactly once.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { UdpTap } from '../../../drivers/udp/udp-tap.js';
import type { TapFrame } from '../../../drivers/link/tap.js';

async function bound(port = 0): Promise<Socket> {
  const s = createSocket({ type: 'udp6', ipv6Only: true });
  s.bind(port, '::1');
  await once(s, 'listening');
  return s;
}

describe('UdpTap', () => {
  test('a port another program listens on is refused, naming the port and the way to watch it; that program keeps it', async () => {
    const nms = await bound();
    const port = nms.address().port;
    const tap = new UdpTap('::1', port);
    await expect(tap.open()).rejects.toThrow(
      `udp:[::1]:${port}: cannot listen: EADDRINUSE: another program listens on port ${port}. A UDP monitor receives the datagrams itself, so it cannot share a port; to watch that program's traffic, capture it (dumpcap -i any -f 'udp port ${port}' -w - | hil decode -)`,
    );
    // The program still gets its datagrams.
    const sender = createSocket({ type: 'udp6', ipv6Only: true });
    const got = once(nms, 'message');
    sender.send(Buffer.from([0x40, 0x01, 0x00, 0x01]), port, '::1');
    expect([...((await got)[0] as Buffer)]).toEqual([0x40, 0x01, 0x00, 0x01]);
    sender.close();
    nms.close();
    await tap.close();
  });

  test('each datagram to the port is one frame, once', async () => {
    const probe = await bound();
    const port = probe.address().port;
    probe.close();
    await once(probe, 'close');
    const tap = new UdpTap('::1', port);
    await tap.open();
    const frames: TapFrame[] = [];
    const three = new Promise<void>((resolve) => tap.on('frame', (f: TapFrame) => frames.push(f) === 3 && resolve()));
    const sender = await bound();
    for (const mid of [1, 2, 3]) sender.send(Buffer.from([0x40, 0x01, 0x00, mid]), port, '::1');
    await three;
    // A fourth datagram marks the end: anything duplicated would arrive before it.
    const fourth = new Promise<void>((resolve) => tap.on('frame', () => frames.length === 4 && resolve()));
    sender.send(Buffer.from([0x40, 0x01, 0x00, 4]), port, '::1');
    await fourth;
    expect(frames.map((f) => f.ipv6[f.ipv6.length - 1])).toEqual([1, 2, 3, 4]);
    expect(tap.counters.frames).toBe(4);
    sender.close();
    await tap.close();
  });
});
