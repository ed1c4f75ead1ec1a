import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDecodeError, expectDecodeError } from '../../support/errors.js';
import { formatIpv6 } from '../../../drivers/ip/address.js';
import { parseUdpPacket } from '../../../drivers/ip/packet.js';
import { udpChecksum } from '../../../drivers/ip/udp.js';
import { encodeGlobalHeader, encodePcap, encodeRecord, LINKTYPE } from '../../../core/pcap-format.js';
import { readPcap, readPcapFile } from '../../../drivers/pcap/reader.js';
import { FRAME5, VECTORS } from '../support/helpers.js';
import { hexBytes } from '../../support/hex.js';

const getPcap = () => readPcapFile(join(VECTORS, 'csmp_get.pcap'));

function summary(ipv6: Uint8Array) {
  const { ip, udp } = parseUdpPacket(ipv6);
  return { src: formatIpv6(ip.src), dst: formatIpv6(ip.dst), srcPort: udp.srcPort, dstPort: udp.dstPort, checksum: udp.checksum, checksumOk: udp.checksumOk, coap: udp.payload.length };
}

describe('reading the reference captures', () => {
  test('csmp_get.pcap: header, 36 IPv6 frames, frame 5 exactly as in csmp-protocol.md 8.2', () => {
    const f = getPcap();
    expect([f.linkType, f.littleEndian, f.nanosecond, f.snaplen, f.records.length]).toEqual([1, true, false, 262144, 36]);
    const r5 = f.records[4]!;
    expect([r5.index, r5.time, r5.linkType, r5.capturedLength, r5.originalLength, r5.skippedReason]).toEqual([5, 1608184619929.776, 1, 73, 73, undefined]);
    expect(r5.ipv6).toEqual(FRAME5);
    expect(summary(r5.ipv6!)).toEqual({ src: '2018::2', dst: '2018::188', srcPort: 62590, dstPort: 61628, checksum: 0x8f9e, checksumOk: true, coap: 11 });
  });

  test('csmp_get.pcap: FND frames have good checksums; agent frames carry offload garbage (frame 6: 41f0, correct 77f4)', () => {
    const recs = getPcap().records;
    const r6 = recs[5]!;
    expect(summary(r6.ipv6!)).toEqual({ src: '2018::188', dst: '2018::2', srcPort: 61628, dstPort: 62590, checksum: 0x41f0, checksumOk: false, coap: 29 });
    const { ip } = parseUdpPacket(r6.ipv6!);
    expect(udpChecksum(ip.payload, ip.src, ip.dst)).toBe(0x77f4);
    // tshark -o udp.check_checksum:TRUE agrees: status 1 exactly on frames sent by 2018::2.
    expect(recs.map((r) => summary(r.ipv6!).checksumOk)).toEqual(recs.map((r) => formatIpv6(r.ipv6!.subarray(8, 24)) === '2018::2'));
    expect(recs[35]!.time).toBe(1608184620120.719);
  });

  test('csmp_register.pcap: the 650-byte registration and its answer', () => {
    const f = readPcapFile(join(VECTORS, 'csmp_register.pcap'));
    expect(f.records.map((r) => [r.index, r.time, r.ipv6?.length])).toEqual([
      [1, 1608173973584.112, 650],
      [2, 1608173973959.922, 173],
    ]);
    expect(summary(f.records[0]!.ipv6!)).toEqual({ src: '2018::188', dst: '2018::2', srcPort: 46790, dstPort: 61628, checksum: 0x442d, checksumOk: false, coap: 602 });
    expect(summary(f.records[1]!.ipv6!)).toEqual({ src: '2018::2', dst: '2018::188', srcPort: 61628, dstPort: 46790, checksum: 0x039c, checksumOk: true, coap: 125 });
  });
});

describe('other layouts', () => {
  const eth = (type: number, body: Uint8Array) => Uint8Array.from([...new Uint8Array(12), type >> 8, type & 0xff, ...body]);
  const v4 = hexBytes('45 00 00 14 00 00 00 00 40 11 00 00 7f 00 00 01 7f 00 00 01');

  function file(linkType: number, frames: Uint8Array[], opts: { bigEndian?: boolean; nano?: boolean } = {}): Uint8Array {
    const parts: number[] = [];
    const u32 = (v: number) => {
      const b = Buffer.alloc(4);
      if (opts.bigEndian) b.writeUInt32BE(v); else b.writeUInt32LE(v);
      parts.push(...b);
    };
    const u16 = (v: number) => {
      const b = Buffer.alloc(2);
      if (opts.bigEndian) b.writeUInt16BE(v); else b.writeUInt16LE(v);
      parts.push(...b);
    };
    u32(opts.nano ? 0xa1b23c4d : 0xa1b2c3d4); u16(2); u16(4); u32(0); u32(0); u32(65535); u32(linkType);
    frames.forEach((f, i) => { u32(1700000000 + i); u32(opts.nano ? 123456789 : 123456); u32(f.length); u32(f.length); parts.push(...f); });
    return Uint8Array.from(parts);
  }

  test.each([
    ['little-endian µs', {}, 1700000000123.456],
    ['big-endian µs', { bigEndian: true }, 1700000000123.456],
    ['little-endian ns', { nano: true }, 1700000000123.456789],
    ['big-endian ns', { bigEndian: true, nano: true }, 1700000000123.456789],
  ])('%s', (_, opts, time) => {
    const f = readPcap(file(LINKTYPE.IPV6, [FRAME5], opts));
    expect([f.littleEndian, f.nanosecond]).toEqual([!('bigEndian' in opts), 'nano' in opts]);
    expect(f.records[0]!.time).toBeCloseTo(time, 6);
    expect(f.records[0]!.ipv6).toEqual(FRAME5);
  });

  test('Ethernet: non-IPv6 ethertypes skipped with a reason, VLAN tags and padding handled', () => {
    const vlan = Uint8Array.from([...new Uint8Array(12), 0x81, 0x00, 0x00, 0x05, 0x86, 0xdd, ...FRAME5, 0, 0, 0, 0]);
    const f = readPcap(file(LINKTYPE.ETHERNET, [eth(0x0800, v4), eth(0x86dd, FRAME5), vlan, new Uint8Array(10)]));
    expect(f.records.map((r) => r.skippedReason)).toEqual([
      'ethernet: ethertype 0x0800 is not IPv6',
      undefined,
      undefined,
      'ethernet: 10-byte frame is shorter than the header',
    ]);
    expect(f.records[1]!.ipv6).toEqual(FRAME5);
    expect(f.records[2]!.ipv6).toEqual(FRAME5);
  });

  test('raw link types: 101 by version nibble, 228 skipped, 229 as is; others reported', () => {
    expect(readPcap(file(LINKTYPE.RAW, [v4, FRAME5])).records.map((r) => [r.skippedReason, r.ipv6?.length])).toEqual([['IPv4 (link type 101)', undefined], [undefined, 59]]);
    expect(readPcap(file(LINKTYPE.IPV4, [v4])).records[0]!.skippedReason).toBe('IPv4 (link type 228)');
    expect(readPcap(file(LINKTYPE.IPV6, [FRAME5])).records[0]!.ipv6).toEqual(FRAME5);
    expect(readPcap(file(113, [FRAME5])).records[0]!.skippedReason).toBe('unsupported link type 113');
  });
});

describe('damaged files', () => {
  const get = () => readFileSync(join(VECTORS, 'csmp_get.pcap'));

  test('a file cut inside record 7 names that record and its byte offset', () => {
    const whole = get();
    const r7 = readPcap(whole).records[6]!;
    const e = expectDecodeError(() => readPcap(whole.subarray(0, r7.offset + 20)), { layer: 'pcap', code: 'truncated', offset: r7.offset });
    expect(e.reason.startsWith('record 7: ')).toBe(true);
    expectDecodeError(() => readPcap(whole.subarray(0, r7.offset + 5)), { layer: 'pcap', code: 'truncated', offset: r7.offset });
  });

  test('garbage and foreign formats', () => {
    expectDecodeError(() => readPcap(new Uint8Array(10)), { layer: 'pcap', code: 'truncated', offset: 10 });
    expectDecodeError(() => readPcap(new Uint8Array(24)), { layer: 'pcap', code: 'bad-value', offset: 0 });
    const v3 = encodeGlobalHeader(101);
    v3[4] = 3;
    expectDecodeError(() => readPcap(v3), { layer: 'pcap', code: 'unsupported', offset: 4 });
    const absurd = Buffer.concat([encodeGlobalHeader(101), Buffer.from(encodeRecord(FRAME5, 0)).fill(0xff, 8, 12)]);
    expectDecodeError(() => readPcap(absurd), { layer: 'pcap', code: 'too-large', offset: 32 });
    // A sub-second field of a second or more is not damage: it is carried (tests below).
  });

  test('random and mutated files: records or a pcap DecodeError, nothing else', () => {
    const real = get();
    const check = (b: Uint8Array) => {
      try {
        readPcap(b);
      } catch (e) {
        checkDecodeError(e, ['pcap', 'pcapng'], b.length);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 500 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(), (sets, cut) => {
        const b = Uint8Array.from(real);
        for (const [at, v] of sets) b[at % b.length] = v;
        check(b.subarray(0, cut % (b.length + 1)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('sub-second fields of a second or more', () => {
  const record = (sec: number, frac: number) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(sec, 0);
    r.writeUInt32LE(frac, 4);
    r.writeUInt32LE(FRAME5.length, 8);
    r.writeUInt32LE(FRAME5.length, 12);
    return Buffer.concat([r, FRAME5]);
  };
  const header = (magic: number) => {
    const h = Buffer.from(encodeGlobalHeader(LINKTYPE.RAW));
    h.writeUInt32LE(magic, 0);
    return h;
  };

  test('are carried into the seconds (they ended the decode as damage), the records after them read', () => {
    const micro = readPcap(Buffer.concat([header(0xa1b2c3d4), record(1700000000, 1_234_567), record(1700000000, 1_000_000), record(1700000003, 5)]));
    expect(micro.records.map((r) => r.time)).toEqual([1700000001234.567, 1700000001000, 1700000003000.005]);
    const nano = readPcap(Buffer.concat([header(0xa1b23c4d), record(1700000000, 1_000_000_001), record(1700000000, 4_294_967_295)]));
    expect(nano.records.map((r) => r.time)).toEqual([1700000001000.000001, 1700000004294.967295]);
  });

  test('any field, any seconds: the time is the seconds plus the field, never a damage error', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.boolean(), (sec, frac, nano) => {
        const f = readPcap(Buffer.concat([header(nano ? 0xa1b23c4d : 0xa1b2c3d4), record(sec, frac)]));
        const perSec = nano ? 1e9 : 1e6;
        const expected = (sec + Math.floor(frac / perSec)) * 1000 + (frac % perSec) * (nano ? 1e-6 : 1e-3);
        expect(f.records.map((r) => r.time)).toEqual([expected]);
      }),
    );
  });
});

describe('encodePcap', () => {
  test('round trip with microsecond timestamps', () => {
    const f = readPcap(encodePcap([{ ipv6: FRAME5, at: 1608184619929.776 }, { ipv6: FRAME5.subarray(0, 48), at: 1608184619999.9996 }])); // the second rounds up into the next second
    expect([f.linkType, f.records.length]).toEqual([101, 2]);
    expect(f.records.map((r) => [r.time, r.ipv6?.length])).toEqual([[1608184619929.776, 59], [1608184620000, 48]]);
  });

  test('snaplen cuts records; the reader keeps the captured start (it dropped the frame) and its lengths say so', () => {
    const r = readPcap(encodePcap([{ ipv6: FRAME5, at: 0 }], 48)).records[0]!;
    expect([r.capturedLength, r.originalLength, r.ipv6, r.skippedReason]).toEqual([48, 59, FRAME5.subarray(0, 48), undefined]);
  });

  test('an empty capture is a header alone', () => {
    expect(readPcap(encodePcap([])).records).toEqual([]);
  });
});
