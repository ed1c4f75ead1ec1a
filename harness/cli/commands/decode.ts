import type { Command } from 'commander';
import { readFileBounded } from '../../../core/bounded-read.js';
import { fromHex } from '../../../core/bytes.js';
import { ResourceError } from '../../../core/errors.js';
import { readPcapPartial } from '../../../drivers/pcap/reader.js';
import { decodeCoapMessage, decodeIpv6Message, type CsmpMessage } from '../../decode/message.js';
import { renderJson, renderText, type MessageContext } from '../../decode/render.js';

interface DecodeOptions {
  hex?: string;
  json?: boolean;
  ports: string;
  all?: boolean;
}

export function registerDecode(program: Command): void {
  program
    .command('decode')
    .description('decode every CSMP message of a pcap or pcapng (Ethernet or raw IP), or one message given as hex')
    .argument('[file]', 'pcap or pcapng file')
    .option('--hex <hex>', 'decode one message: an IPv6 packet, or a bare CoAP message')
    .option('--json', 'one JSON object per line per message')
    .option('--ports <list>', 'UDP ports that carry CSMP (either side)', '61628,61624')
    .option('--all', 'decode every UDP datagram as CoAP, whatever its ports')
    .action((file: string | undefined, opts: DecodeOptions) => {
      process.exitCode = runDecode(file, opts, (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`));
    });
}

/**
 * Captures are read whole; past this a file is refused rather than read until memory runs out
 * (`hil decode /dev/zero` grew by 200 MB a second). Lab captures of a test run are megabytes.
 */
export const MAX_CAPTURE_BYTES = 512 << 20;

/** Returns the exit code: 0 decoded, 2 the input could not be read or was not what it claimed. */
export function runDecode(file: string | undefined, opts: DecodeOptions, out: (s: string) => void, err: (s: string) => void): number {
  const emit = (m: CsmpMessage, ctx: MessageContext) => out(opts.json ? JSON.stringify(renderJson(m, ctx)) : renderText(m, ctx));
  if (opts.hex !== undefined) {
    const bytes = fromHex(opts.hex.replace(/[\s:]/g, ''));
    if (!bytes) {
      err(`hil decode: --hex: not an even-length hex string`);
      return 2;
    }
    const m = looksLikeIpv6(bytes) ? decodeIpv6Message(bytes) : decodeCoapMessage(bytes);
    emit(m, {});
    return m.error ? 1 : 0;
  }
  if (!file) {
    err('hil decode: give a pcap file or --hex HEX');
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileBounded(file, MAX_CAPTURE_BYTES);
  } catch (e) {
    if (!(e instanceof ResourceError)) throw e;
    err(`hil decode: ${e.message}${e.code === 'limit' ? ` (split it with editcap -c, or decode a part)` : ''}`);
    return 2;
  }
  const ports = new Set(opts.ports.split(',').map((p) => Number(p.trim())));
  // Everything before damage is printed first: a capture cut short by a killed dumpcap still shows
  // what it holds, and then the error says where it breaks.
  const { file: pcap, error } = readPcapPartial(bytes);
  for (const r of pcap?.records ?? []) {
    if (!r.ipv6) continue;
    const m = decodeIpv6Message(r.ipv6, { trailing: 'ignore' });
    if (!opts.all && m.srcPort !== undefined && !ports.has(m.srcPort) && !ports.has(m.dstPort!)) continue;
    emit(m, { frame: r.index, ...(r.time !== undefined ? { time: r.time } : {}) });
  }
  if (error) {
    const after = pcap ? `, after ${pcap.records.length} record${pcap.records.length === 1 ? '' : 's'}` : '';
    err(`hil decode: ${file}: ${error.reason} (byte offset ${error.offset}${after})`);
    return 2;
  }
  return 0;
}

/**
 * A bare CoAP message can start with 0x6X too (ACK with token length X), so only call it IPv6 when
 * the header's payload length matches the bytes given.
 */
function looksLikeIpv6(b: Uint8Array): boolean {
  return b.length >= 40 && b[0]! >> 4 === 6 && ((b[4]! << 8) | b[5]!) === b.length - 40;
}
