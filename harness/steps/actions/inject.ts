/**
 * `inject: { hex, layer, answer, padTo, checksum }`: puts bytes on the device's link as they are
 * — a CoAP message in a UDP datagram from the NMS's request address and port (layer coap or
 * udp), a whole IPv6 packet (layer ipv6, on links that carry raw packets), or bytes on the serial
 * line outside any SLIP frame (layer slip). Robustness suites send broken frames this way.
 *
 * `padTo` appends zero bytes up to that many (oversized datagrams without pages of hex);
 * `checksum: bad` sends the datagram as an IPv6 packet whose UDP checksum is wrong; `answer`
 * says what the device must do with a CoAP message: a response code ('4.00', '4.xx'), 'none'
 * (silently dropped), or alternatives joined by '|'. The answer is matched by the injected
 * Message ID (0 for a message shorter than 4 bytes, doc 3.4) and must come back to where the
 * message came from. Options are checked when the suite loads (config/action-steps.ts): a
 * misspelt one, or `answer` on a layer that carries no CoAP message, is refused there.
 */
import { fromHex } from '../../../core/bytes.js';
import { ConfigError } from '../../../core/errors.js';
import { buildUdpPacket } from '../../../drivers/ip/packet.js';
import { RawSendUnsupportedError } from '../../../drivers/link/errors.js';
import type { Link } from '../../../drivers/link/types.js';
import type { InjectParams } from '../../config/action-steps.js';
import type { StepOutcome } from '../../runner/executor.js';
import type { StepRun } from '../step-run.js';
import { answerTo, judgeAnswer } from './inject-answer.js';

const UDP_CHECKSUM_AT = 46; // 40-byte IPv6 header + UDP bytes 6-7

export async function inject(p: InjectParams, run: StepRun): Promise<StepOutcome | void> {
  const { bench, ctx } = run;
  let bytes = fromHex(p.hex)!;
  if (p.padTo !== undefined && p.padTo > bytes.length) bytes = Uint8Array.from([...bytes, ...new Uint8Array(p.padTo - bytes.length)]);
  const dev = ctx.device;
  const link = bench.link(dev.link);
  if (!link) throw new ConfigError(`device '${dev.name}'`, 'reference', `inject: link '${dev.link}' is not open`);
  const { layer } = p;
  // The suite loader refuses `answer` on the other layers: only a datagram the harness builds has ends to match.
  const ends = { nms: { address: bench.sources.addressFor(dev.name), port: bench.nms.clientPort }, device: { address: dev.address, port: dev.port } };
  const heard = p.answer !== undefined && (layer === 'coap' || layer === 'udp') ? answerTo(link, ends, bytes) : undefined;
  if (layer === 'ipv6') {
    raw(link, dev.link, bytes);
  } else if (layer === 'slip') {
    if (!link.sendWire) throw new ConfigError(`link '${dev.link}'`, 'unsupported', 'inject layer slip: this link has no serial line');
    link.sendWire(bytes);
  } else if (layer === 'coap' || layer === 'udp') {
    const d = { src: ends.nms.address, dst: dev.address, srcPort: ends.nms.port, dstPort: dev.port, payload: bytes };
    if (p.checksum === 'bad') {
      const packet = buildUdpPacket(d);
      packet[UDP_CHECKSUM_AT] = packet[UDP_CHECKSUM_AT]! ^ 0xff;
      raw(link, dev.link, packet);
    } else {
      link.send(d);
    }
  } else {
    throw new ConfigError(`device '${dev.name}'`, 'value', `inject: layer '${String(layer)}' is not one of coap, udp, ipv6, slip`);
  }
  ctx.log(`injected ${bytes.length} bytes (${layer}${p.checksum === 'bad' ? ', bad UDP checksum' : ''}) toward ${dev.name}`);
  if (heard && p.answer !== undefined) return judgeAnswer(run, heard, ends, p.answer);
}

function raw(link: Link, name: string, packet: Uint8Array): void {
  try {
    link.sendRaw(packet);
  } catch (e) {
    if (e instanceof RawSendUnsupportedError) throw new ConfigError(`link '${name}'`, 'unsupported', 'inject layer ipv6: this link carries datagrams, not raw IPv6 packets');
    throw e;
  }
}
