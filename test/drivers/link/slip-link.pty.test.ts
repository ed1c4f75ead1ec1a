import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildUdpPacket } from '../../../drivers/ip/packet.js';
import { SlipLink } from '../../../drivers/link/slip-link.js';
import type { Datagram, LinkFrame } from '../../../drivers/link/types.js';
import { slipEncode } from '../../../drivers/slip/slip-encode.js';
import { PtyPair } from '../../../rigs/virtual/pty/pty-pair.js';
import { bytesUntil, FRAME5, FRAME6_COAP, next, within } from '../support/helpers.js';
import { toHex } from '../../../core/bytes.js';

const FND = '2018::2';
const VIP = 'fd00::1';
const AGENT = '2018::188';

describe('SlipLink on a real pty', () => {
  let dir: string;
  let pty: PtyPair;
  let link: SlipLink;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hil-slip-'));
    pty = await PtyPair.open({ link: join(dir, 'dongle') });
    link = new SlipLink({ path: pty.path, baudRate: 115200, localAddresses: [FND, VIP] });
    const up = next(link, 'up');
    await link.open();
    await up;
  });
  afterEach(async () => {
    await link.close();
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('datagrams to either local address arrive; others are dropped and counted by reason', async () => {
    const toFnd = buildUdpPacket({ src: AGENT, dst: FND, srcPort: 61628, dstPort: 62590, payload: FRAME6_COAP });
    const toVip = buildUdpPacket({ src: AGENT, dst: VIP, srcPort: 61628, dstPort: 5683, payload: Uint8Array.of(0x40, 0x01, 0x00, 0x07) });
    const badSum = toFnd.slice();
    badSum[47] ^= 0xff;
    const badLen = toFnd.slice(0, 60); // IPv6 payload length says more than is there
    const datagrams: Datagram[] = [];
    const frames: LinkFrame[] = [];
    link.on('datagram', (d: Datagram) => datagrams.push(d));
    link.on('frame', (f: LinkFrame) => frames.push(f));
    const got2 = within(new Promise<void>((res) => link.on('datagram', () => datagrams.length === 2 && res())), 5000, 'two datagrams');
    const drops = within(new Promise<void>((res) => link.on('drop', () => link.drops.total === 5 && res())), 5000, 'five drops');

    // Line noise first, then frames in one burst, sent byte-split in two writes.
    const burst = Buffer.concat([Buffer.from('noise'), slipEncode(FRAME5), slipEncode(badSum), slipEncode(toFnd), slipEncode(badLen), Buffer.from([0xc0, 0x60, 0xdb, 0x01, 0xc0]), slipEncode(toVip)]);
    pty.write(burst.subarray(0, 101));
    pty.write(burst.subarray(101));
    await got2;
    await drops;

    expect(datagrams.map((d) => ({ ...d, payload: toHex(d.payload) }))).toEqual([
      { src: AGENT, dst: FND, srcPort: 61628, dstPort: 62590, payload: toHex(FRAME6_COAP) },
      { src: AGENT, dst: VIP, srcPort: 61628, dstPort: 5683, payload: '40010007' },
    ]);
    expect(link.drops.snapshot()).toEqual({
      'ipv6: truncated header': 1, // "noise" is a 5-byte frame: the first END ends it
      'not-for-us': 1,
      'udp: bad checksum': 1,
      'ipv6: payload length exceeds packet': 1,
      'slip: bad escape': 1,
    });
    // Every SLIP-valid packet was offered to captures, valid or not.
    expect(frames.map((f) => [f.direction, f.ipv6.length])).toEqual([['in', 5], ['in', 59], ['in', 77], ['in', 77], ['in', 60], ['in', 52]]);
  });

  test('send() builds IPv6+UDP (hop limit 64, checksum) and the pty receives exactly that SLIP frame', async () => {
    const expected = FRAME5.slice();
    expected.set([0x60, 0, 0, 0], 0); // frame 5 with flow label 0; the flow label is not in the checksum
    const wire = slipEncode(expected);
    const arrived = bytesUntil(pty, (all) => all.length >= wire.length, 5000, 'the SLIP frame at the pty');
    const out = next<LinkFrame>(link, 'frame');
    link.send({ src: FND, dst: AGENT, srcPort: 62590, dstPort: 61628, payload: FRAME5.subarray(48) });
    expect(Buffer.from(await arrived)).toEqual(Buffer.from(wire));
    expect((await out).ipv6).toEqual(expected);
  });

  test('sendRaw() puts deliberately broken packets on the line unchanged (bytes needing escapes included)', async () => {
    const broken = Uint8Array.of(0x60, 0xc0, 0xdb, 0x00);
    const arrived = bytesUntil(pty, (all) => all.length >= 8, 5000, 'raw frame');
    link.sendRaw(broken);
    expect(toHex(await arrived)).toBe('c060dbdcdbdd00c0');
  });
});
