/**
 * The decoders the fuzz job drives, each with the seeds it mutates and the errors it may throw.
 * Anything else thrown is an escape: a crash a hostile capture, frame or file would cause.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../harness/app/defaults.js';
import { ConfigError, DecodeError } from '../../core/errors.js';
import { encodePcap } from '../../core/pcap-format.js';
import { buildUdpPacket, parseUdpPacket } from '../../drivers/ip/packet.js';
import { readPcap } from '../../drivers/pcap/reader.js';
import { SlipDecoder } from '../../drivers/slip/slip-decoder.js';
import { slipEncode } from '../../drivers/slip/slip-encode.js';
import { decodeCoap, encodeCoap } from '../../harness/coap/message.js';
import { parseRig } from '../../harness/config/rig.js';
import { parseSuite } from '../../harness/config/suite.js';
import { decodePayload } from '../../harness/csmp/payload.js';
import { encodeTlvs } from '../../harness/csmp/tlv.js';

export interface FuzzTarget {
  name: string;
  /** Inputs the mutator starts from: valid ones, so mutations reach past the first check. */
  seeds: Uint8Array[];
  /** Decodes one input; throws what it throws. */
  run(input: Uint8Array): void;
  /** Whether a thrown value is the decoder's documented refusal (not an escape). */
  expected(e: unknown): boolean;
}

const te = new TextEncoder();
const td = new TextDecoder();
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

const coap = [
  encodeCoap({ type: 'CON', code: '0.01', messageId: 0x1234, token: hex('a1b2c3d4'), uriPath: ['c'], uriQuery: ['q=11,12,13'] }),
  encodeCoap({ type: 'ACK', code: '2.05', messageId: 7, token: hex('01'), payload: hex('0b0401020304') }),
  encodeCoap({ type: 'NON', code: '0.02', messageId: 65535, uriPath: ['r'], payload: hex('0b0401020304220162') }),
];
const tlv = [
  encodeTlvs(
    [
      { type: 11, value: hex('00173b0100000001') },
      { type: 22, value: te.encode('meter-1') },
      { type: 75, value: hex('0801100118ff01') },
    ],
    { lengthStyle: 'minimal' },
  ),
  hex('0b080017 3b0100000001'),
];
const packet = (payload: Uint8Array): Uint8Array => buildUdpPacket({ src: '2001:db8::1', dst: '2001:db8::2', srcPort: 61628, dstPort: 61629, payload });
const packets = coap.map(packet);
const pcap = [encodePcap(packets.map((ipv6, i) => ({ ipv6, at: 1_700_000_000_000 + i }))), pcapng(packets[0]!)];

/** A minimal pcapng: section header, interface (LINKTYPE_IPV6), one enhanced packet block. */
function pcapng(p: Uint8Array): Uint8Array {
  const block = (type: number, body: Uint8Array): Buffer => {
    const len = 12 + body.length;
    const b = Buffer.alloc(len);
    b.writeUInt32LE(type, 0);
    b.writeUInt32LE(len, 4);
    Buffer.from(body).copy(b, 8);
    b.writeUInt32LE(len, len - 4);
    return b;
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(229, 0);
  idb.writeUInt32LE(65535, 4);
  const padded = Buffer.alloc(Math.ceil(p.length / 4) * 4);
  Buffer.from(p).copy(padded);
  const epb = Buffer.alloc(20 + padded.length);
  epb.writeUInt32LE(0, 0);
  epb.writeUInt32LE(0x00060000, 4);
  epb.writeUInt32LE(0x12345678, 8);
  epb.writeUInt32LE(p.length, 12);
  epb.writeUInt32LE(p.length, 16);
  padded.copy(epb, 20);
  return Uint8Array.from(Buffer.concat([block(0x0a0d0d0a, shb), block(1, idb), block(6, epb)]));
}

const root = packageRoot();
const text = (path: string): Uint8Array => te.encode(readFileSync(join(root, path), 'utf8'));

export const TARGETS: FuzzTarget[] = [
  { name: 'pcap', seeds: [pcap[0]!], run: (b) => void readPcap(b), expected: (e) => e instanceof DecodeError },
  { name: 'pcapng', seeds: [pcap[1]!], run: (b) => void readPcap(b), expected: (e) => e instanceof DecodeError },
  {
    name: 'slip',
    seeds: coap.map((c) => Uint8Array.from([...slipEncode(packet(c)), ...slipEncode(hex('60000000'))])),
    run: (b) => {
      // The decoder is a stream; its transform is synchronous, so each input is decoded before run() returns.
      const d = new SlipDecoder({ maxFrame: 2048 });
      d.on('data', () => {});
      d.write(Buffer.from(b));
      d.end();
    },
    expected: () => false,
  },
  { name: 'ipv6-udp', seeds: packets, run: (b) => void parseUdpPacket(b), expected: (e) => e instanceof DecodeError },
  { name: 'coap', seeds: coap, run: (b) => void decodeCoap(b), expected: (e) => e instanceof DecodeError },
  { name: 'tlv', seeds: tlv, run: (b) => void decodePayload(b), expected: (e) => e instanceof DecodeError },
  {
    name: 'yaml-config',
    seeds: [text('rigs/virtual.yaml'), text('suites/1-registration.yaml'), text('suites/2-firmware-group.yaml')],
    run: (b) => {
      const s = td.decode(b);
      // The same bytes as a rig and as a suite: both parsers face what a lab's files hold.
      for (const parse of [parseRig, parseSuite]) {
        try {
          parse(s, 'fuzz.yaml');
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
        }
      }
    },
    expected: (e) => e instanceof ConfigError,
  },
];
