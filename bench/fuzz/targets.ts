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
const text = (path: string): string => readFileSync(join(root, path), 'utf8');
// Where the shipped rig lies, so its key paths resolve and a valid input reaches the semantic checks.
const rigFile = join(root, 'rigs', 'fuzz.yaml');
const slip = new SlipDecoder({ maxFrame: 2048 });

/*
 * The YAML seeds are the shipped rig and suites, cut to what a mutation can reach cheaply: the yaml
 * package parses about 3 MB/s, so the whole 3 KB files (twice, as rig and as suite) cost 2.5 ms an
 * input, 40 minutes a million; comments, three of four meters and all but two tests add no syntax.
 */
const code = (t: string): string[] => t.split('\n').filter((l) => !/^\s*(#.*)?$/.test(l));
export function compactRig(t: string): string {
  const keep: string[] = [];
  let skipping = false;
  for (const l of code(t)) {
    if (/^ {2}- name: meter-[2-9]$|^ {4}- \{ name: meter-[2-9] \}$/.test(l)) skipping = true;
    else if (!/^ {4}/.test(l) || /^ {4}- /.test(l)) skipping = false;
    if (!skipping) keep.push(l);
  }
  return `${keep.join('\n')}\n`;
}
export function compactSuite(t: string): string {
  const lines = code(t);
  const tests = lines.flatMap((l, i) => (/^ {2}- name: /.test(l) ? [i] : []));
  return `${lines.slice(0, tests[2] ?? lines.length).join('\n')}\n`;
}

export const TARGETS: FuzzTarget[] = [
  { name: 'pcap', seeds: [pcap[0]!], run: (b) => void readPcap(b), expected: (e) => e instanceof DecodeError },
  { name: 'pcapng', seeds: [pcap[1]!], run: (b) => void readPcap(b), expected: (e) => e instanceof DecodeError },
  {
    name: 'slip',
    seeds: coap.map((c) => Uint8Array.from([...slipEncode(packet(c)), ...slipEncode(hex('60000000'))])),
    run: (b) => {
      // One decoder for the whole job, as a link keeps one for its port: each input is a burst on
      // the line, and then the device goes away mid-frame (reset). A fresh stream per input, ended,
      // left one pending tick per stream that a synchronous loop never ran: 2.4 GB by 1M inputs.
      slip.write(Buffer.from(b));
      while (slip.read() !== null);
      slip.reset();
    },
    expected: () => false,
  },
  { name: 'ipv6-udp', seeds: packets, run: (b) => void parseUdpPacket(b), expected: (e) => e instanceof DecodeError },
  { name: 'coap', seeds: coap, run: (b) => void decodeCoap(b), expected: (e) => e instanceof DecodeError },
  { name: 'tlv', seeds: tlv, run: (b) => void decodePayload(b), expected: (e) => e instanceof DecodeError },
  {
    name: 'yaml-config',
    seeds: [compactRig(text('rigs/virtual.yaml')), ...['1-registration', '2-firmware-group', '10-security', '12-firmware-upgrade'].map((s) => compactSuite(text(`suites/${s}.yaml`)))].map((s) => te.encode(s)),
    run: (b) => {
      const s = td.decode(b);
      // The real loaders (text to a checked Rig or Suite), one per input: a text that still says it
      // is a suite meets the suite loader, anything else the rig loader.
      (/^suite:/m.test(s) ? parseSuite : parseRig)(s, rigFile);
    },
    expected: (e) => e instanceof ConfigError,
  },
];
