import fc from 'fast-check';
import type { DecodeErrorCode, DecodeLayer } from '../../../core/errors.js';
import { canonicalIpv6, formatIpv6, parseIpv6Address } from '../../../drivers/ip/address.js';
import { parseIpv6 } from '../../../drivers/ip/ipv6.js';
import { buildUdpPacket, describePacket, parseUdpPacket } from '../../../drivers/ip/packet.js';
import { parseUdp, udpChecksum } from '../../../drivers/ip/udp.js';
import { FRAME5 } from '../support/helpers.js';
import { hexBytes } from '../../support/hex.js';
import { toHex } from '../../../core/bytes.js';
import { checkDecodeError, expectDecodeError } from '../../support/errors.js';

describe('IPv6 address text', () => {
  test.each([
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:0db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed (RFC 5952 4.2.2)
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs (4.2.3)
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // longest run wins
    ['2001:DB8::A', '2001:db8::a'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2018::188', '2018::188'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::ffff:c000:0201', '::ffff:192.0.2.1'],
    ['64:ff9b::192.0.2.1', '64:ff9b::c000:201'],
    ['fe80:0000:0000:0000:0204:61ff:fe9d:f156', 'fe80::204:61ff:fe9d:f156'],
  ])('%s -> %s', (text, canonical) => {
    expect(canonicalIpv6(text)).toBe(canonical);
  });

  test.each([':::', '1::2::3', '12345::', 'g::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1.2.3.4::', '::1%lo', '', '::256.0.0.1', '::1.2.3', ':1::', '1:2:3:4:5:6:7:8::'])(
    'refuses %j with a TypeError naming it',
    (text) => {
      expect(() => parseIpv6Address(text)).toThrow(TypeError);
      expect(() => parseIpv6Address(text)).toThrow(JSON.stringify(text));
    },
  );

  test('text seen again gives the same answer, and bytes of its own each time (a caller may change them)', () => {
    const first = parseIpv6Address('2001:DB8::A');
    first.fill(0xff);
    expect(toHex(parseIpv6Address('2001:DB8::A'))).toBe('20010db8000000000000000000000000'.slice(0, 30) + '0a');
    expect(canonicalIpv6('2001:DB8::A')).toBe('2001:db8::a');
    expect(canonicalIpv6('2001:DB8::A')).toBe('2001:db8::a');
    for (let i = 0; i < 2; i++) {
      expect(() => parseIpv6Address('1::2::3')).toThrow('not an IPv6 address: "1::2::3" ("::" appears more than once)');
      expect(() => canonicalIpv6('1::2::3')).toThrow(TypeError);
    }
  });

  test('16 bytes -> text -> 16 bytes, and the text is what the WHATWG URL serializer (RFC 5952) gives', () => {
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const b = new Uint8Array(16);
        groups.forEach((g, i) => { b[2 * i] = g >> 8; b[2 * i + 1] = g & 0xff; });
        const text = formatIpv6(b);
        expect(parseIpv6Address(text)).toEqual(b);
        if (!text.startsWith('::ffff:') || !text.includes('.')) {
          expect(text).toBe(new URL(`http://[${text}]/`).hostname.slice(1, -1));
          expect(text).toBe(new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1));
        }
      }),
    );
  });
});

describe('IPv6 + UDP on csmp_get frame 5 (csmp-protocol.md 8.2)', () => {
  test('parses every field exactly', () => {
    const { ip, udp } = parseUdpPacket(FRAME5);
    expect({ ...ip, src: formatIpv6(ip.src), dst: formatIpv6(ip.dst), payload: toHex(ip.payload) }).toEqual({
      trafficClass: 0,
      flowLabel: 0x748bb,
      payloadLength: 19,
      nextHeader: 17,
      hopLimit: 64,
      src: '2018::2',
      dst: '2018::188',
      protocol: 17,
      payloadOffset: 40,
      payload: 'f47ef0bc00138f9e4101000101b1634371' + '3d32',
    });
    expect({ ...udp, payload: toHex(udp.payload) }).toEqual({
      srcPort: 62590,
      dstPort: 61628,
      length: 19,
      checksum: 0x8f9e,
      checksumOk: true,
      payload: '4101000101b16343713d32',
    });
    // Views, not copies.
    expect(udp.payload.buffer).toBe(FRAME5.buffer);
  });

  test('build reproduces the captured bytes', () => {
    const built = buildUdpPacket({ src: '2018::2', dst: '2018::188', srcPort: 62590, dstPort: 61628, payload: FRAME5.subarray(48), flowLabel: 0x748bb });
    expect(built).toEqual(FRAME5);
  });

  test('a wrong checksum is reported, not thrown; verification can be switched off', () => {
    const bad = FRAME5.slice();
    bad[47] ^= 1;
    expect(parseUdpPacket(bad).udp.checksumOk).toBe(false);
    expect(parseUdpPacket(bad, { verifyChecksum: false }).udp.checksumOk).toBeUndefined();
    expect(describePacket(bad)).toBe('[2018::2]:62590 -> [2018::188]:61628 udp 11 bytes, checksum 0x8f9f incorrect');
    const zero = FRAME5.slice();
    zero[46] = 0;
    zero[47] = 0;
    expect(parseUdpPacket(zero).udp.checksumOk).toBe(false); // IPv6 forbids "no checksum"
  });

  test('a computed checksum of 0 is sent as 0xffff and verifies', () => {
    const base = { src: '2018::2', dst: '2018::188', srcPort: 1, dstPort: 2 };
    const c = udpChecksum(buildUdpPacket({ ...base, payload: hexBytes('00 00') }).subarray(40), parseIpv6Address(base.src), parseIpv6Address(base.dst));
    // Adding the checksum as a payload word makes the ones'-complement sum 0xffff, i.e. checksum 0.
    const p = buildUdpPacket({ ...base, payload: Uint8Array.of(c >> 8, c & 0xff) });
    expect(toHex(p.subarray(46, 48))).toBe('ffff');
    expect(parseUdpPacket(p).udp.checksumOk).toBe(true);
  });
});

describe('typed decode errors', () => {
  const cases: [string, () => unknown, DecodeLayer, number, DecodeErrorCode][] = [
    ['IPv6 shorter than its header', () => parseIpv6(FRAME5.subarray(0, 39)), 'ipv6', 39, 'truncated'],
    ['version 4', () => parseIpv6(Uint8Array.from([0x45, ...FRAME5.subarray(1)])), 'ipv6', 0, 'unsupported'],
    ['payload length beyond the packet', () => parseIpv6(FRAME5.subarray(0, 58)), 'ipv6', 4, 'truncated'],
    ['bytes after the payload', () => parseIpv6(Uint8Array.from([...FRAME5, 0])), 'ipv6', 59, 'trailing-bytes'],
    ['UDP shorter than its header', () => parseUdp(hexBytes('f4 7e f0'), FRAME5.subarray(8, 24), FRAME5.subarray(24, 40)), 'udp', 3, 'truncated'],
    ['UDP length below 8', () => parseUdpPacket(patch(FRAME5, 44, [0, 7])), 'udp', 4, 'bad-value'],
    ['UDP length disagreeing with IPv6', () => parseUdpPacket(patch(FRAME5, 44, [0, 18])), 'udp', 4, 'inconsistent'],
    ['next header not UDP', () => parseUdpPacket(patch(FRAME5, 6, [58])), 'ipv6', 6, 'unsupported'],
    ['truncated hop-by-hop header', () => parseIpv6(hopByHop(4)), 'ipv6', 40, 'truncated'],
  ];
  test.each(cases)('%s', (_, f, layer, offset, code) => {
    expectDecodeError(f, { layer, code, offset });
  });

  test('the message names layer, reason and offset', () => {
    expect(expectDecodeError(() => parseIpv6(FRAME5.subarray(0, 12)), { layer: 'ipv6', code: 'truncated' }).message).toBe('ipv6: truncated header at byte 12');
  });

  test('hop-by-hop and destination options are skipped to reach UDP', () => {
    const inner = FRAME5.subarray(40);
    const p = new Uint8Array(40 + 8 + inner.length);
    p.set(FRAME5.subarray(0, 40));
    p[4] = 0; p[5] = 8 + inner.length; p[6] = 0;
    p.set([17, 0, 1, 4, 0, 0, 0, 0], 40); // next UDP, length 0 (8 bytes), PadN
    p.set(inner, 48);
    const { ip, udp } = parseUdpPacket(p);
    expect([ip.nextHeader, ip.protocol, ip.payloadOffset, udp.srcPort, udp.checksumOk]).toEqual([0, 17, 48, 62590, true]);
  });
});

function patch(b: Uint8Array, at: number, bytes: number[]): Uint8Array {
  const c = b.slice();
  c.set(bytes, at);
  return c;
}

function hopByHop(len: number): Uint8Array {
  const p = new Uint8Array(40 + len);
  p.set(FRAME5.subarray(0, 40));
  p[4] = 0; p[5] = len; p[6] = 0;
  return p;
}

describe('IPv6/UDP properties', () => {
  const onlyValueOrDecodeError = (b: Uint8Array) => {
    try {
      parseUdpPacket(b);
    } catch (e) {
      checkDecodeError(e, ['ipv6', 'udp'], b.length);
    }
    expect(typeof describePacket(b)).toBe('string');
  };

  test('arbitrary bytes: a value or a DecodeError, nothing else', () => {
    // Half the inputs start with version 6 so that random bytes also reach the UDP layer.
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => { b[0] = 0x60 | (b[0]! & 15); return b; }));
    fc.assert(fc.property(bytes, onlyValueOrDecodeError), { numRuns: 2000 });
  });

  test('mutated real frames: a value or a DecodeError, nothing else', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('grow' as const), extra: fc.uint8Array({ maxLength: 20 }) }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (ms) => {
        let b = FRAME5.slice();
        for (const m of ms) {
          if (m.kind === 'set') b[m.at % b.length] = m.v;
          else if (m.kind === 'cut') b = b.slice(0, m.at % (b.length + 1));
          else b = Uint8Array.from([...b, ...m.extra]);
          if (b.length === 0) break;
        }
        onlyValueOrDecodeError(b);
      }),
      { numRuns: 2000 },
    );
  });

  test('build -> parse round trip', () => {
    const addr = fc.uint8Array({ minLength: 16, maxLength: 16 });
    const port = fc.integer({ min: 0, max: 65535 });
    fc.assert(
      fc.property(addr, addr, port, port, fc.uint8Array({ maxLength: 1300 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xfffff }), fc.integer({ min: 0, max: 255 }),
        (src, dst, srcPort, dstPort, payload, trafficClass, flowLabel, hopLimit) => {
          const p = buildUdpPacket({ src: formatIpv6(src), dst, srcPort, dstPort, payload, trafficClass, flowLabel, hopLimit });
          const { ip, udp } = parseUdpPacket(p);
          expect([ip.trafficClass, ip.flowLabel, ip.hopLimit, ip.payloadLength]).toEqual([trafficClass, flowLabel, hopLimit, payload.length + 8]);
          expect([ip.src, ip.dst]).toEqual([src, dst]);
          expect([udp.srcPort, udp.dstPort, udp.checksumOk, udp.length]).toEqual([srcPort, dstPort, true, payload.length + 8]);
          expect(udp.payload).toEqual(payload);
          expect(udp.checksum).not.toBe(0);
        }),
    );
  });

  test('emit refuses out-of-range fields with a TypeError naming them', () => {
    const base = { src: '::1', dst: '::1', srcPort: 1, dstPort: 2, payload: new Uint8Array(0) };
    expect(() => buildUdpPacket({ ...base, srcPort: 65536 })).toThrow(/"srcPort"/);
    expect(() => buildUdpPacket({ ...base, flowLabel: 0x100000 })).toThrow(/"flowLabel"/);
    expect(() => buildUdpPacket({ ...base, hopLimit: -1 })).toThrow(/"hopLimit"/);
    expect(() => buildUdpPacket({ ...base, dst: 'nope' })).toThrow(/not an IPv6 address: "nope"/);
  });
});
