import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildUdpPacket } from '../../../drivers/ip/packet.js';
import { SlipLink } from '../../../drivers/link/slip-link.js';
import type { Datagram } from '../../../drivers/link/types.js';
import { SERIAL_DROP } from '../../../drivers/serial/byte-stream.js';
import { slipEncode } from '../../../drivers/slip/slip-encode.js';
import { PtyPair } from '../../../rigs/virtual/pty/pty-pair.js';
import { bytesUntil, next } from '../support/helpers.js';

const FND = '2018::2';
const AGENT = '2018::188';

function fromAgent(text: string): Uint8Array {
  return slipEncode(buildUdpPacket({ src: AGENT, dst: FND, srcPort: 61628, dstPort: 61628, payload: Buffer.from(text) }));
}

function toAgent(text: string): Datagram {
  return { src: FND, dst: AGENT, srcPort: 61628, dstPort: 61628, payload: Buffer.from(text) };
}

describe('SlipLink across a device that goes away and comes back at the same path', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hil-replug-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('down, writes dropped and counted, up again by backoff, traffic flows on the same SlipLink', async () => {
    const path = join(dir, 'dongle');
    let pty = await PtyPair.open({ link: path });
    const link = new SlipLink({ path, baudRate: 115200, localAddresses: [FND], reconnect: { initialMs: 20, maxMs: 200 } });
    const events: string[] = [];
    link.on('down', () => events.push('down'));
    link.on('up', () => events.push('up'));
    try {
      await link.open();

      // Before: both directions work.
      let got = next<Datagram>(link, 'datagram');
      pty.write(fromAgent('before'));
      expect(Buffer.from((await got).payload).toString()).toBe('before');

      // Unplug. A half frame in the decoder at that moment must not survive the replug.
      const down = next<Error>(link, 'down');
      pty.write(fromAgent('half').subarray(0, 20));
      await pty.close();
      expect(await down).toBeInstanceOf(Error);
      expect(link.isUp).toBe(false);

      // Writes while the device is away are dropped and counted, not queued for the next device.
      link.send(toAgent('stale-1'));
      link.send(toAgent('stale-2'));
      expect(link.drops.get(SERIAL_DROP.whileDown)).toBe(2);

      // Replug at the same path; the link finds it by itself.
      const up = next(link, 'up', 10000);
      pty = await PtyPair.open({ link: path });
      await up;
      expect(events).toEqual(['up', 'down', 'up']);

      // After: the new device hears only what is sent now, and its frames reach the same link.
      const wire = slipEncode(buildUdpPacket({ ...toAgent('after'), hopLimit: 64 }));
      const heard = bytesUntil(pty, (all) => all.length >= wire.length, 5000, 'frame at the replugged pty');
      link.send(toAgent('after'));
      expect(Buffer.from(await heard)).toEqual(Buffer.from(wire));

      got = next<Datagram>(link, 'datagram');
      pty.write(fromAgent('again'));
      expect(Buffer.from((await got).payload).toString()).toBe('again');
      // The half frame is discarded if it was read before the hang-up (a hung-up tty may also swallow
      // it); either way nothing of it reaches the decoder after the replug.
      expect(link.drops.get('slip: unterminated frame')).toBeLessThanOrEqual(1);
      expect(Object.keys(link.drops.snapshot()).filter((k) => !k.startsWith('serial:') && k !== 'slip: unterminated frame')).toEqual([]);
    } finally {
      await link.close();
      await pty.close();
    }
  });

  test('a hang-up right after a burst (the case serialport misses) is still seen, every time', async () => {
    const path = join(dir, 'burst');
    let pty = await PtyPair.open({ link: path });
    const link = new SlipLink({ path, baudRate: 115200, localAddresses: [FND], reconnect: { initialMs: 10, maxMs: 50 }, watchdogMs: 50 });
    try {
      await link.open();
      for (let i = 0; i < 8; i++) {
        const down = next(link, 'down', 3000);
        pty.write(fromAgent(`burst ${i}`));
        await pty.close();
        await down;
        const up = next(link, 'up', 5000);
        pty = await PtyPair.open({ link: path });
        await up;
      }
      const got = next<Datagram>(link, 'datagram');
      pty.write(fromAgent('still here'));
      expect(Buffer.from((await got).payload).toString()).toBe('still here');
    } finally {
      await link.close();
      await pty.close();
    }
  });
});
