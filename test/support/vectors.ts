/** Where the FND ↔ agent reference captures live in the repository (test/fixtures/vectors), and their frames. */
import { join } from 'node:path';
import { parseUdpPacket } from '../../drivers/ip/packet.js';
import { readPcapFile } from '../../drivers/pcap/reader.js';

export const VECTORS = join(process.cwd(), 'test', 'fixtures', 'vectors');

/**
 * The UDP payload (the whole CoAP message) of frame `frame` of capture `file`, numbered from 1 as
 * Wireshark and the protocol doc number them. Checksums are not verified: the agent's are
 * placeholders (checksum offload on the capturing host, doc 8.1).
 */
export function captureCoap(file: string, frame: number): Uint8Array {
  const record = readPcapFile(join(VECTORS, file)).records[frame - 1];
  if (!record?.ipv6) throw new Error(`${file} has no IPv6 frame ${frame}`);
  return parseUdpPacket(record.ipv6, { verifyChecksum: false }).udp.payload;
}
