/**
 * The two real captures between a Cisco FND (2018::2) and the reference agent (2018::188), decoded
 * through every layer. Expected values were read from the capture bytes (csmp-protocol.md 8) and
 * cross-checked with tshark.
 */
import { readPcapFile } from '../../../drivers/pcap/reader.js';
import { decodeIpv6Message, type CsmpMessage } from '../../../harness/decode/message.js';
import { renderJson } from '../../../harness/decode/render.js';
import { parseSignatureValue } from '../../../harness/csmp/asn1.js';
import { toHex } from '../../../core/bytes.js';
import { FND_RESPONSE_TLVS, REGISTER_TLVS } from '../../support/register-vector.js';
import { VECTORS } from '../../support/vectors.js';

const vectors = `${VECTORS}/`;

function decodeAll(file: string): CsmpMessage[] {
  return readPcapFile(vectors + file).records.map((r) => decodeIpv6Message(r.ipv6!, { trailing: 'ignore' }));
}

function json(m: CsmpMessage): any {
  return renderJson(m);
}

describe('csmp_register.pcap', () => {
  const [post, ack] = decodeAll('csmp_register.pcap').map(json);

  test('frame 1 is the agent registration: CON POST /r, every TLV decoded to named fields', () => {
    expect(post.src).toBe('2018::188');
    expect(post.dst).toBe('2018::2');
    expect(post.srcPort).toBe(46790);
    expect(post.dstPort).toBe(61628);
    // Checksum offload on the capturing host: the agent's checksums are placeholders (doc 8.1).
    expect(post.udpChecksumOk).toBe(false);
    expect(post.coap).toEqual({ type: 'CON', code: '0.02', messageId: 0, token: '', uriPath: ['r'], uriQuery: [] });
    expect(post.tlvs.map((t: any) => t.type)).toEqual([2, 18, 11, 12, 12, 16, 16, 16, 17, 23, 23, 25, 35, 53, 75]);
    expect(post.tlvs.every((t: any) => t.value !== undefined && t.error === undefined)).toBe(true);
    expect(post.error).toBeUndefined();

    expect(post.tlvs.map((t: any) => ({ name: t.name, ...t.value }))).toEqual(REGISTER_TLVS);
  });

  test('frame 2 is FND\'s signed 2.03: ReportSubscribe, SessionID, SignatureValidity, Signature', () => {
    expect(ack.udpChecksumOk).toBe(true);
    expect(ack.coap).toEqual({ type: 'ACK', code: '2.03', messageId: 0, token: '', uriPath: [], uriQuery: [] });
    expect(ack.tlvs.map((t: any) => [t.type, t.name])).toEqual([
      [13, 'ReportSubscribe'],
      [7, 'SessionID'],
      [76, 'SignatureValidity'],
      [77, 'Signature'],
    ]);
    expect(ack.tlvs.map((t: any) => ({ name: t.name, ...t.value }))).toEqual(FND_RESPONSE_TLVS);
    const sig: string = ack.tlvs[3].value.value;
    expect(sig.length).toBe(86 * 2);
    expect(sig.startsWith('305406082a8648ce3d0403020348003045022100a9')).toBe(true);
  });
});

describe('csmp_get.pcap', () => {
  const all = decodeAll('csmp_get.pcap').map(json);

  test('36 frames, all decoded without error', () => {
    expect(all).toHaveLength(36);
    expect(all.filter((m) => m.error)).toEqual([]);
  });

  test('TlvIndex of the 2021 agent lists 17 ids', () => {
    expect(all[1].tlvs[0].value.tlvid).toEqual(['1', '2', '7', '55', '58', '13', '11', '12', '16', '17', '18', '22', '23', '25', '35', '53', '75']);
  });

  test('FND reads every advertised TLV one GET at a time with a 1-byte token equal to the MID', () => {
    const gets = all.slice(4).filter((m) => m.coap.code === '0.01');
    expect(gets.map((m) => m.coap.uriQuery[0])).toEqual(
      ['2', '7', '11', '12', '13', '16', '17', '18', '22', '23', '25', '35', '53', '55', '58', '75'].map((q) => `q=${q}`),
    );
    expect(gets.map((m) => m.coap.token)).toEqual(gets.map((m) => m.coap.messageId.toString(16).padStart(2, '0')));
  });

  test('frame 6 answers GET q=2 with DeviceID (non-minimal length 94 00)', () => {
    expect(all[5].coap).toMatchObject({ type: 'ACK', code: '2.05', messageId: 1, token: '01' });
    expect(all[5].tlvs).toEqual([{ type: 2, name: 'DeviceID', value: { type: 1, id: '0A0027FFFE3B2AB2' }, raw: '0801121030413030323746464645334232414232' }]);
  });

  test('the second registration was answered with an unsigned ReportSubscribe only', () => {
    expect(all[3].coap.code).toBe('2.03');
    expect(all[3].tlvs.map((t: any) => t.value)).toEqual([{ interval: 20, tlvid: ['2', '22'] }]);
  });
});

describe('FND signature in csmp_register.pcap frame 2', () => {
  test('ASN.1: OID ecdsa-with-SHA256 directly in the outer SEQUENCE, r with a leading 00, s 32 bytes', () => {
    const [, ack] = decodeAll('csmp_register.pcap');
    const sig = parseSignatureValue(ack!.tlvs[3]!.value!.value as Uint8Array);
    expect(sig.oid).toBe('1.2.840.10045.4.3.2');
    expect(sig.r.length).toBe(33);
    expect(toHex(sig.r).startsWith('00a9041435c2db2974a37a953f19ad78')).toBe(true);
    expect(sig.s.length).toBe(32);
    expect(toHex(sig.s)).toBe('1ec225fb324ca2f20b48f18536340d99f9dc513a7443fb36041743e483c5842e');
    expect(sig.ecdsaDer.length).toBe(71);
  });
});
