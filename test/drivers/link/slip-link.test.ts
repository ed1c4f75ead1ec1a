import { EventEmitter } from 'node:events';
import { buildUdpPacket } from '../../../drivers/ip/packet.js';
import { SlipLink } from '../../../drivers/link/slip-link.js';
import type { Datagram, LinkFrame } from '../../../drivers/link/types.js';
import { slipEncode } from '../../../drivers/slip/slip-encode.js';

/** The byte stream as SlipLink sees it, in memory: the test plays the device. */
class FakeStream extends EventEmitter {
  isUp = false;
  written: Buffer[] = [];
  async open() { this.isUp = true; this.emit('up'); }
  async close() { this.isUp = false; }
  write(b: Uint8Array) {
    if (!this.isUp) return false;
    this.written.push(Buffer.from(b));
    return true;
  }
  unplug() { this.isUp = false; this.emit('down', new Error('unplugged')); }
  replug() { this.isUp = true; this.emit('up'); }
}

const cfg = { path: '/dev/fake', baudRate: 115200, localAddresses: ['2018::2'] };
const agentFrame = (text: string) => slipEncode(buildUdpPacket({ src: '2018::188', dst: '2018::2', srcPort: 61628, dstPort: 61628, payload: Buffer.from(text) }));

describe('SlipLink (in-memory stream)', () => {
  test('a partial frame from before a disconnect is discarded and counted, not glued to the next one', async () => {
    const s = new FakeStream();
    const link = new SlipLink(cfg, s);
    await link.open();
    const got: string[] = [];
    link.on('datagram', (d: Datagram) => got.push(Buffer.from(d.payload).toString()));
    s.emit('data', Buffer.from(agentFrame('lost').subarray(0, 30)));
    s.unplug();
    s.replug();
    s.emit('data', Buffer.from(agentFrame('next').subarray(1))); // no leading END: gluing would corrupt it
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual(['next']);
    expect(link.drops.snapshot()).toEqual({ 'slip: unterminated frame': 1 });
    await link.close();
  });

  test("no 'frame' for a send while down (nothing crossed the link)", async () => {
    const s = new FakeStream();
    const link = new SlipLink(cfg, s);
    await link.open();
    const frames: LinkFrame[] = [];
    link.on('frame', (f: LinkFrame) => frames.push(f));
    s.unplug();
    link.send({ src: '2018::2', dst: '2018::188', srcPort: 1, dstPort: 2, payload: new Uint8Array(1) });
    expect(frames).toEqual([]);
    s.replug();
    link.send({ src: '2018::2', dst: '2018::188', srcPort: 1, dstPort: 2, payload: new Uint8Array(1) });
    expect(frames.map((f) => [f.direction, f.ipv6.length])).toEqual([['out', 49]]);
    expect(s.written.length).toBe(1);
    await link.close();
  });

  test('constructor errors name the option', () => {
    expect(() => new SlipLink({ ...cfg, localAddresses: [] })).toThrow(/"localAddresses"/);
    expect(() => new SlipLink({ ...cfg, localAddresses: ['2018::2', 'nope'] })).toThrow(/"localAddresses\[1\]"/);
    expect(() => new SlipLink({ ...cfg, maxFrame: 1000 })).toThrow(/"maxFrame"/);
    expect(() => new SlipLink({ ...cfg, hopLimit: 256 })).toThrow(/"hopLimit"/);
    expect(() => new SlipLink({ ...cfg, baudRate: undefined })).toThrow(/"baudRate"/);
  });
});
