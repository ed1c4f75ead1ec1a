import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { buildUdpPacket } from '../../../drivers/ip/packet.js';
import { SlipLink } from '../../../drivers/link/slip-link.js';
import { writeFileSync } from 'node:fs';
import type { LinkFrame } from '../../../drivers/link/types.js';
import { encodePcap } from '../../../core/pcap-format.js';
import { readPcapFile } from '../../../drivers/pcap/reader.js';
import { slipEncode } from '../../../drivers/slip/slip-encode.js';
import { PtyPair } from '../../../rigs/virtual/pty/pty-pair.js';
import { FRAME5, FRAME6_COAP, next, within } from '../support/helpers.js';

const tshark = spawnSync('sh', ['-c', 'command -v tshark'], { encoding: 'utf8' }).stdout.trim();
if (!tshark) console.warn('tshark.test.ts skipped: tshark is not installed (apt-get install tshark)');
const describeIf = tshark ? describe : describe.skip;

describeIf("tshark reads the link's own capture", () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hil-tshark-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('valid IPv6/UDP, checksums as sent, CoAP decoded; as the harness writes it', async () => {
    const pty = await PtyPair.open({ link: join(dir, 'dongle') });
    const link = new SlipLink({ path: pty.path, baudRate: 115200, localAddresses: ['2018::2'] });
    const file = join(dir, 'link.pcap');
    await link.open();
    const frames: LinkFrame[] = [];
    link.on('frame', (f: LinkFrame) => frames.push(f));
    try {
      // FND -> agent GET /c?q=2 (csmp_get frame 5's CoAP), then the agent's answer twice: once with
      // a correct checksum, once with the offloaded garbage the real capture carries (0x41f0).
      link.send({ src: '2018::2', dst: '2018::188', srcPort: 62590, dstPort: 61628, payload: FRAME5.subarray(48) });
      const answer = { src: '2018::188', dst: '2018::2', srcPort: 61628, dstPort: 62590, payload: FRAME6_COAP };
      const got = next(link, 'datagram');
      const dropped = next(link, 'drop');
      pty.write(slipEncode(buildUdpPacket(answer)));
      pty.write(slipEncode(buildUdpPacket({ ...answer, checksum: 0x41f0 })));
      await got;
      await dropped;
      expect(frames.length).toBe(3);
      writeFileSync(file, encodePcap(frames));
      expect(readPcapFile(file).records.map((r) => r.ipv6?.length)).toEqual([59, 77, 77]);

      const r = await within(
        execa(tshark, ['-r', file, '-o', 'udp.check_checksum:TRUE', '-d', 'udp.port==61628,coap', '-T', 'fields', '-e', 'ipv6.src', '-e', 'udp.checksum.status', '-e', 'coap.code']),
        20000,
        'tshark',
      );
      // udp.checksum.status: 1 = good, 0 = bad. coap.code: 1 = GET, 69 = 2.05.
      expect(r.stdout.split('\n')).toEqual(['2018::2\t1\t1', '2018::188\t1\t69', '2018::188\t0\t69']);
    } finally {
      await link.close();
      await pty.close();
    }
  });
});
