/**
 * The extcap's capture filter: the subset of pcap-filter it applies, exactly, and everything else
 * refused with the word it stopped at (Wireshark shows the line and does not start).
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { buildUdpPacket } from '../../../drivers/ip/packet.js';
import { readPcap } from '../../../drivers/pcap/reader.js';
import { compileCaptureFilter, SUPPORTED_FILTER } from '../../../harness/app/capture-filter.js';
import { runExtcapCapture, validateCaptureFilter } from '../../../harness/app/extcap.js';

const packet = (src: string, dst: string, srcPort: number, dstPort: number) => buildUdpPacket({ src, dst, srcPort, dstPort, payload: Uint8Array.from([0x40, 0x01, 0, 1]) });
const a = packet('2018::2', '2018::188', 62590, 61628);
const b = packet('2018::188', '2018::2', 61628, 62590);
const c = packet('fd00::9', 'fd00::1', 5683, 5683);
const icmp = Uint8Array.from(a);
icmp[6] = 58;

const matches = (filter: string) => [a, b, c, icmp].map((p) => compileCaptureFilter(filter)!(p));

describe('compileCaptureFilter', () => {
  test('the supported subset, applied exactly', () => {
    expect(compileCaptureFilter('')).toBeUndefined();
    expect(compileCaptureFilter('   ')).toBeUndefined();
    expect(matches('udp port 61628')).toEqual([true, true, false, false]);
    expect(matches('port 61628')).toEqual([true, true, false, false]);
    expect(matches('udp dst port 61628')).toEqual([true, false, false, false]);
    expect(matches('src port 61628')).toEqual([false, true, false, false]);
    expect(matches('host 2018::2')).toEqual([true, true, false, true]);
    expect(matches('ip6 src host 2018:0:0::2')).toEqual([true, false, false, true]);
    expect(matches('udp')).toEqual([true, true, true, false]);
    expect(matches('ip6')).toEqual([true, true, true, true]);
    expect(matches('not udp')).toEqual([false, false, false, true]);
    expect(matches('udp and not port 5683')).toEqual([true, true, false, false]);
    expect(matches('port 5683 || dst host 2018::2')).toEqual([false, true, true, false]);
    // One precedence, left to right, as libpcap: (port 5683 or host 2018::2) and udp.
    expect(matches('port 5683 or host 2018::2 and udp')).toEqual([true, true, true, false]);
    expect(matches('port 5683 or (host 2018::2 and not udp)')).toEqual([false, false, true, true]);
  });

  test('anything else is refused, naming the filter and the word', () => {
    const refusal = (filter: string, why: string) => `--extcap-capture-filter: ${JSON.stringify(filter)}: ${why} (supported: ${SUPPORTED_FILTER})`;
    expect(() => compileCaptureFilter('tcp port 80')).toThrow(refusal('tcp port 80', "'tcp' is not supported"));
    expect(() => compileCaptureFilter('udp port 70000')).toThrow(refusal('udp port 70000', "'70000' is not a port"));
    expect(() => compileCaptureFilter('host 10.0.0.1')).toThrow(refusal('host 10.0.0.1', "'10.0.0.1' is not an IPv6 address"));
    expect(() => compileCaptureFilter('(udp')).toThrow(refusal('(udp', "a '(' is not closed"));
    expect(() => compileCaptureFilter('udp and')).toThrow(refusal('udp and', 'ends where a term is expected'));
    expect(() => compileCaptureFilter('udp portrange 1-2')).toThrow(refusal('udp portrange 1-2', "'portrange' is not supported here"));
    expect(() => compileCaptureFilter('src udp')).toThrow(refusal('src udp', "'src' must be followed by port or host"));
    expect(validateCaptureFilter('udp port 61628')).toBe('');
    expect(validateCaptureFilter('tcp')).toBe(`"tcp": 'tcp' is not supported (supported: ${SUPPORTED_FILTER})\n`);
  });

  test('port N matches exactly the UDP packets with N on either side (any ports)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 }), (s, d, n) => {
        const p = packet('2018::2', '2018::188', s, d);
        expect([compileCaptureFilter(`port ${n}`)!(p), compileCaptureFilter(`src port ${n}`)!(p), compileCaptureFilter(`not dst port ${n}`)!(p)]).toEqual([s === n || d === n, s === n, d !== n]);
      }),
    );
  });
});

describe('runExtcapCapture with a capture filter', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'hil-extcap-f-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('writes only the packets the filter passes; an unsupported filter is refused before the link opens', async () => {
    const probe = createSocket({ type: 'udp6', ipv6Only: true });
    probe.bind(0, '::1');
    await once(probe, 'listening');
    const port = probe.address().port;
    probe.close();
    await once(probe, 'close');
    const fifo = join(dir, 'out.pcap');
    const stop = new AbortController();
    const lines: string[] = [];
    await expect(runExtcapCapture({ link: `udp:[::1]:${port}`, baud: 115200, fifo, signal: stop.signal, log: (l) => lines.push(l), captureFilter: 'tcp' })).rejects.toThrow(
      `--extcap-capture-filter: "tcp": 'tcp' is not supported (supported: ${SUPPORTED_FILTER})`,
    );
    const senders = [createSocket({ type: 'udp6', ipv6Only: true }), createSocket({ type: 'udp6', ipv6Only: true })];
    for (const s of senders) s.bind(0, '::1');
    await Promise.all(senders.map((s) => once(s, 'listening')));
    const wanted = senders[0]!.address().port;
    const running = runExtcapCapture({ link: `udp:[::1]:${port}`, baud: 115200, fifo, signal: stop.signal, log: () => undefined, captureFilter: `udp src port ${wanted}` });
    // The tap is up once its port answers: send until the wanted sender's third datagram is written.
    const sent: number[] = [];
    for (let mid = 1; ; mid++) {
      const from = senders[mid % 2]!;
      from.send(Uint8Array.from([0x40, 0x01, 0, mid]), port, '::1');
      sent.push(mid);
      await new Promise((resolve) => setImmediate(resolve));
      let got: number[] = [];
      try {
        got = readPcap(readFileSync(fifo)).records.map((r) => r.ipv6![r.ipv6!.length - 1]!);
      } catch {
        // The header is not written yet.
      }
      if (got.length >= 3 || mid > 2000) break;
    }
    stop.abort();
    await running;
    for (const s of senders) s.close();
    const records = readPcap(readFileSync(fifo)).records;
    expect(records.length).toBeGreaterThanOrEqual(3);
    // Only the even message ids came from the wanted sender.
    expect(records.every((r) => r.ipv6![r.ipv6!.length - 1]! % 2 === 0 && ((r.ipv6![40]! << 8) | r.ipv6![41]!) === wanted)).toBe(true);
  });
});
