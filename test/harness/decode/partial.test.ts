/**
 * IPv6 packets holding less than a whole UDP datagram: a snaplen-cut frame and fragments are
 * shown for what their bytes hold (addresses, ports, the CoAP start, the TLVs before the cut) with
 * an error naming what is missing; other next headers are named. Real frames, cut everywhere.
 */
import fc from 'fast-check';
import { readPcapFile } from '../../../drivers/pcap/reader.js';
import { decodeIpv6Message } from '../../../harness/decode/message.js';
import { renderText } from '../../../harness/decode/render.js';
import { Tally } from '../../../harness/decode/tally.js';
import { VECTORS } from '../../support/vectors.js';

const frames = [...readPcapFile(`${VECTORS}/csmp_register.pcap`).records, ...readPcapFile(`${VECTORS}/csmp_get.pcap`).records].map((r) => r.ipv6!);
const register = frames[0]!;

/** `p` as a fragment: a fragment header after the fixed header, then `p`'s payload from `offset`. */
function fragment(p: Uint8Array, opts: { offset: number; more: boolean; id?: number; take?: number }): Uint8Array {
  const body = p.subarray(40 + opts.offset, opts.take === undefined ? p.length : 40 + opts.offset + opts.take);
  const out = Buffer.concat([Buffer.from(p.subarray(0, 40)), Buffer.from([p[6]!, 0, (opts.offset >> 8) & 0xff, (opts.offset & 0xf8) | (opts.more ? 1 : 0), 0, 0, 0, opts.id ?? 7]), Buffer.from(body)]);
  out[6] = 44;
  out.writeUInt16BE(out.length - 40, 4);
  return out;
}

describe('packets that hold part of a datagram', () => {
  test('a registration cut by a 100-byte snaplen: addresses, ports, CoAP header and the error naming the cut', () => {
    const m = decodeIpv6Message(register.subarray(0, 100), { trailing: 'ignore' });
    expect(renderText(m, { frame: 1 }).split('\n')).toEqual([
      '#1 [2018::188]:46790 -> [2018::2]:61628',
      '  CON 0.02 POST MID 0 /r (45-byte payload)',
      '    [2/DeviceID]: {type: 1, id: "0A0027FFFE3B2AB2"}',
      '    [18/CurrentTime]: {posix: 1608173973, source: 0}',
      `  ! ipv6: packet cut short: 100 of ${register.length} bytes captured (snaplen); decoded as far as they go at byte 100`,
    ]);
    expect(m.udpChecksumOk).toBeUndefined();
  });

  test('any cut of any real frame: never throws, keeps the addresses, the ports once captured, and names the cut', () => {
    fc.assert(
      fc.property(fc.constantFrom(...frames), fc.nat(), (p, n) => {
        const at = 40 + (n % (p.length - 40));
        const whole = decodeIpv6Message(p, { trailing: 'ignore' });
        const m = decodeIpv6Message(p.subarray(0, at), { trailing: 'ignore' });
        expect([m.src, m.dst]).toEqual([whole.src, whole.dst]);
        expect(m.srcPort).toBe(at >= 48 ? whole.srcPort : undefined);
        expect([m.error?.layer, m.error?.code, m.error?.offset]).toEqual(['ipv6', 'truncated', at]);
        if (m.coap) expect([m.coap.code, m.coap.messageId, m.coap.uriPath]).toEqual([whole.coap!.code, whole.coap!.messageId, whole.coap!.uriPath]);
        // The TLVs shown are the whole message's first ones, never garbage from the cut.
        expect(whole.tlvs.slice(0, m.tlvs.length).map((t) => t.type)).toEqual(m.tlvs.map((t) => t.type));
      }),
    );
  });

  test('a first fragment shows its ports and message start; a later one is named, not decoded; an atomic one is whole', () => {
    const first = decodeIpv6Message(fragment(register, { offset: 0, more: true, take: 64 }));
    expect(renderText(first).split('\n')).toEqual([
      '[2018::188]:46790 -> [2018::2]:61628',
      '  CON 0.02 POST MID 0 /r (49-byte payload)',
      '    [2/DeviceID]: {type: 1, id: "0A0027FFFE3B2AB2"}',
      '    [18/CurrentTime]: {posix: 1608173973, source: 0}',
      '  ! ipv6: first fragment (id 0x00000007, offset 0, more follow) of a packet of next header 17 (UDP): the UDP ports and the start of the message decoded; the rest is in later fragments, not reassembled at byte 40',
    ]);
    const later = decodeIpv6Message(fragment(register, { offset: 64, more: false }));
    expect(renderText(later).split('\n')).toEqual([
      '[2018::188]:? -> [2018::2]:?',
      '  ! ipv6: fragment (id 0x00000007, offset 64, last) of a packet of next header 17 (UDP): not reassembled at byte 40',
    ]);
    const atomic = decodeIpv6Message(fragment(register, { offset: 0, more: false }));
    const whole = decodeIpv6Message(register);
    expect(atomic).toEqual(whole);
  });

  test('ICMPv6 and TCP are named; --count files them under (not UDP), apart from UDP that is not CoAP', () => {
    const icmp = Buffer.from(register);
    icmp[6] = 58;
    const tcp = Buffer.from(register);
    tcp[6] = 6;
    expect(renderText(decodeIpv6Message(icmp)).split('\n')[1]).toBe('  ! ipv6: next header 58 (ICMPv6) is not UDP at byte 6');
    expect(renderText(decodeIpv6Message(tcp)).split('\n')[1]).toBe('  ! ipv6: next header 6 (TCP) is not UDP at byte 6');
    const t = new Tally();
    const facts = { path: undefined, device: undefined, deviceAddress: undefined };
    for (const p of [icmp, tcp, register, fragment(register, { offset: 64, more: false })]) t.add(decodeIpv6Message(p), facts);
    expect(t.json().codes).toEqual({ '(not UDP)': 3, '0.02 POST': 1 });
  });
});
