/**
 * Wire-stack throughput on one core: the real 2021 registration frame (csmp_register.pcap frame 1,
 * a 650-byte IPv6 packet) through SLIP → IPv6 → UDP (checksum verified) → CoAP → every TLV value,
 * and back; then tshark dissecting a pcap of the same frames (with csmp-hil's CSMP dissector, and
 * stock), so the ratio is measured, not guessed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildUdpPacket } from '../drivers/ip/packet.js';
import { parseIpv6 } from '../drivers/ip/ipv6.js';
import { parseUdp } from '../drivers/ip/udp.js';
import { encodeGlobalHeader, encodeRecord, LINKTYPE } from '../core/pcap-format.js';
import { readPcapFile } from '../drivers/pcap/reader.js';
import { SlipDecoder } from '../drivers/slip/slip-decoder.js';
import { slipEncode } from '../drivers/slip/slip-encode.js';
import { decodeCoap, encodeCoap } from '../harness/coap/message.js';
import { buildPayload, decodePayload } from '../harness/csmp/payload.js';
import { tsharkCsmpArgs, writeWiresharkFiles } from '../harness/decode/wireshark.js';
import type { FieldMap } from '../harness/csmp/value.js';
import { benchSlip } from './slip.js';

export interface WireFigures {
  frameBytes: number;
  decodePerSec: number;
  decodeMBps: number;
  encodePerSec: number;
  encodeMBps: number;
  tsharkPerSec: number | undefined;
  ratio: number | undefined;
}

const FRAMES = 50_000;

export async function benchWire(vectorsDir: string, log: (s: string) => void): Promise<WireFigures> {
  const captured = readPcapFile(join(vectorsDir, 'csmp_register.pcap')).records[0]!.ipv6!;
  const ip = parseIpv6(captured, { trailing: 'ignore' });
  const udp = parseUdp(ip.payload, ip.src, ip.dst, { verifyChecksum: false });
  // The captured checksum is an offload placeholder; rebuild the packet so verification passes.
  const packet = buildUdpPacket({ src: ip.src, dst: ip.dst, srcPort: udp.srcPort, dstPort: udp.dstPort, payload: udp.payload });
  const slip = slipEncode(packet);

  // Decode: one SLIP stream of FRAMES frames fed in 64 KiB chunks, as a serial port delivers them.
  const stream = Buffer.alloc(slip.length * FRAMES);
  for (let i = 0; i < FRAMES; i++) stream.set(slip, i * slip.length);
  const decoder = new SlipDecoder();
  let tlvCount = 0;
  let bad = 0;
  decoder.on('data', (frame: Uint8Array) => {
    const p = parseIpv6(frame);
    const u = parseUdp(p.payload, p.src, p.dst);
    if (!u.checksumOk) bad++;
    const coap = decodeCoap(u.payload);
    const { tlvs, error } = decodePayload(coap.payload);
    if (error || tlvs.some((t) => !t.value)) bad++;
    tlvCount += tlvs.length;
  });
  const t0 = process.hrtime.bigint();
  for (let off = 0; off < stream.length; off += 65536) decoder.write(stream.subarray(off, off + 65536));
  const decodeSec = Number(process.hrtime.bigint() - t0) / 1e9;
  if (bad !== 0 || tlvCount !== FRAMES * 15) throw new Error(`bench decode check failed: bad=${bad} tlvs=${tlvCount}`);

  // Encode: values → TLVs (agent length quirk) → CoAP → IPv6/UDP with checksum → SLIP.
  const coap = decodeCoap(udp.payload);
  const items = decodePayload(coap.payload).tlvs.map((t) => ({ type: t.type, fields: t.value as FieldMap }));
  const t1 = process.hrtime.bigint();
  let out = 0;
  let last: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < FRAMES; i++) {
    const payload = buildPayload(items, { lengthStyle: 'agent' });
    const msg = encodeCoap({ type: 'CON', code: '0.02', messageId: 0, uriPath: ['r'], payload });
    last = slipEncode(buildUdpPacket({ src: ip.src, dst: ip.dst, srcPort: udp.srcPort, dstPort: udp.dstPort, payload: msg }));
    out += last.length;
  }
  const encodeSec = Number(process.hrtime.bigint() - t1) / 1e9;
  // The re-encoded frame must be the captured one, byte for byte (checksum apart, see above).
  if (Buffer.compare(last, slip) !== 0) throw new Error('bench encode check failed: re-encoded frame differs from the capture');

  const figures: WireFigures = {
    frameBytes: packet.length,
    decodePerSec: FRAMES / decodeSec,
    decodeMBps: (stream.length / decodeSec) / 1e6,
    encodePerSec: FRAMES / encodeSec,
    encodeMBps: (out / encodeSec) / 1e6,
    tsharkPerSec: undefined,
    ratio: undefined,
  };
  log(`wire decode  SLIP→IPv6→UDP→CoAP→15 TLVs: ${fmt(figures.decodePerSec)} frames/s, ${figures.decodeMBps.toFixed(1)} MB/s (${packet.length}-byte packet)`);
  log(`wire encode  TLVs→CoAP→IPv6/UDP→SLIP:    ${fmt(figures.encodePerSec)} frames/s, ${figures.encodeMBps.toFixed(1)} MB/s`);

  benchSlip(packet, log);

  // Like for like: tshark with csmp-hil's generated CSMP dissector (hil wireshark) decodes every
  // TLV value through Wireshark's protobuf dissector, the work our decode does; with full details
  // or one field printed, whichever is faster, that ratio is the headline. Stock tshark has no CSMP dissector and stops at the CoAP payload: its full details
  // (-V) and two-field modes are printed too, as the floor of what tshark costs.
  const wsDir = mkdtempSync(join(tmpdir(), 'hil-bench-ws-'));
  try {
    writeWiresharkFiles(wsDir);
    const modes: [string, string[], boolean][] = [
      ['CSMP dissector, -V', [...tsharkCsmpArgs(wsDir, [61628]), '-V'], true],
      ['CSMP dissector, 1 field', [...tsharkCsmpArgs(wsDir, [61628]), '-T', 'fields', '-e', 'csmp.tlv.type'], true],
      ['stock, CoAP only, -V', ['-d', 'udp.port==61628,coap', '-V'], false],
      ['stock, two CoAP fields', ['-d', 'udp.port==61628,coap', '-T', 'fields', '-e', 'coap.code', '-e', 'coap.payload'], false],
    ];
    for (const [label, args, headline] of modes) {
      const rate = timeTshark(packet, args, headline ? 10_000 : 50_000, log);
      if (rate === undefined) continue;
      const ratio = figures.decodePerSec / rate;
      // Of the like-for-like modes the faster tshark sets the headline: the ratio is not flattered.
      if (headline && rate > (figures.tsharkPerSec ?? 0)) Object.assign(figures, { tsharkPerSec: rate, ratio });
      log(`tshark       ${label.padEnd(24)} ${fmt(rate)} frames/s  → csmp-hil is ${ratio.toFixed(1)}× tshark`);
    }
  } finally {
    rmSync(wsDir, { recursive: true, force: true });
  }
  return figures;
}

/** tshark's rate net of its start-up: time N frames and 1 frame, and divide the difference. */
function timeTshark(packet: Uint8Array, args: string[], n: number, log: (s: string) => void): number | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'hil-bench-'));
  try {
    const write = (file: string, count: number) => {
      const parts = [encodeGlobalHeader(LINKTYPE.RAW)];
      for (let i = 0; i < count; i++) parts.push(encodeRecord(packet, 1608173973000 + i));
      writeFileSync(file, Buffer.concat(parts));
    };
    write(join(dir, 'one.pcap'), 1);
    write(join(dir, 'many.pcap'), n);
    const run = (file: string) => {
      const t = process.hrtime.bigint();
      execFileSync('tshark', ['-n', '-r', file, ...args], {
        stdio: ['ignore', 'ignore', 'ignore'],
        maxBuffer: 1 << 30,
      });
      return Number(process.hrtime.bigint() - t) / 1e9;
    };
    const base = Math.min(run(join(dir, 'one.pcap')), run(join(dir, 'one.pcap')));
    const many = run(join(dir, 'many.pcap'));
    return n / Math.max(many - base, 1e-6);
  } catch (e) {
    log(`tshark       not measured: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
