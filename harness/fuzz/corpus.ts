/**
 * Captured frames for the byte mutator (`hil fuzz --corpus FILE`): every CoAP request in a pcap or
 * pcapng capture (a bench recording, the shared vectors), so mutation starts from what a real NMS
 * sends. Answers and notifications are left out: a device is not fuzzed with its own traffic.
 */
import { ConfigError, DecodeError } from '../../core/errors.js';
import { parseUdpPacket } from '../../drivers/ip/packet.js';
import { readPcapFile } from '../../drivers/pcap/reader.js';
import { decodeCoap } from '../coap/message.js';

export function capturedRequests(file: string): Uint8Array[] {
  let records;
  try {
    records = readPcapFile(file).records;
  } catch (e) {
    if (e instanceof DecodeError) throw new ConfigError(file, 'value', `--corpus: not a readable capture: ${e.message}`);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ConfigError(file, 'missing', '--corpus: no such file');
    throw e;
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
