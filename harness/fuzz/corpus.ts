/**
 * Captured frames for the byte mutator (`hil fuzz --corpus FILE`): every CoAP request in a pcap or
 * pcapng capture (a bench recording, the shared vectors), so mutation starts from what a real NMS
 * sends. Answers and notifications are left out: a device is not fuzzed with its own traffic.
 */
import { readFileBounded } from '../../core/bounded-read.js';
import { ConfigError, DecodeError, ResourceError } from '../../core/errors.js';
import { parseUdpPacket } from '../../drivers/ip/packet.js';
import { DECODED_LINK_TYPES, isDecodedLinkType } from '../../drivers/pcap/link-layer.js';
import { readPcap } from '../../drivers/pcap/reader.js';
import { decodeCoap } from '../coap/message.js';

/**
 * The most of a corpus capture read: requests to start from, not a day's recording (and a path may
 * name /dev/zero, which readFileSync read without end).
 */
const MAX_CORPUS_BYTES = 256 << 20;

/** Every CoAP request in `file`; ConfigError naming `--corpus FILE` when it cannot be read or is no capture. */
export function capturedRequests(file: string): Uint8Array[] {
  const where = `--corpus ${file}`;
  let records;
  try {
    records = readPcap(readFileBounded(file, MAX_CORPUS_BYTES)).records;
  } catch (e) {
    if (e instanceof DecodeError) throw new ConfigError(where, 'value', `not a readable capture: ${e.message}`);
    if (e instanceof ResourceError) throw new ConfigError(where, e.code === 'missing' ? 'missing' : 'file', e.code === 'missing' ? 'no such file' : e.reason);
    throw e;
  }
  // A capture whose every frame is of a link type not read would add nothing, and say nothing.
  if (records.length && records.every((r) => !isDecodedLinkType(r.linkType))) {
    const types = [...new Set(records.map((r) => r.linkType))].join(', ');
    throw new ConfigError(where, 'unsupported', `link type ${types} is not one hil decodes (${DECODED_LINK_TYPES}): no request to start from`);
  }
  const out: Uint8Array[] = [];
  for (const r of records) {
    if (!r.ipv6) continue;
    try {
      const payload = parseUdpPacket(r.ipv6).udp.payload;
      const m = decodeCoap(payload);
      if (m.code.startsWith('0.') && m.code !== '0.00') out.push(Uint8Array.from(payload));
    } catch (e) {
      // A frame that is not a CoAP datagram is no request to start from.
      if (!(e instanceof DecodeError)) throw e;
    }
  }
  return out;
}
