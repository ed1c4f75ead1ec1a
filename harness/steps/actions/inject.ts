/**
 * `inject: { hex, layer }`: puts bytes on the device's link as they are — a CoAP message in a UDP
 * datagram from the NMS's request address and port (layer coap or udp), or a whole IPv6 packet
 * (layer ipv6, on links that carry raw packets). Robustness suites send broken frames this way.
 */
import { fromHex } from '../../../core/bytes.js';
import { ConfigError } from '../../../core/errors.js';
import { RawSendUnsupportedError } from '../../../drivers/link/errors.js';
import type { InjectParams } from '../../config/steps.js';
import type { StepRun } from '../step-run.js';

export async function inject(p: InjectParams, { bench, ctx }: StepRun): Promise<void> {
  const bytes = fromHex(p.hex)!;
  const dev = ctx.device;
  const link = bench.link(dev.link);
  if (!link) throw new ConfigError(`device '${dev.name}'`, 'reference', `inject: link '${dev.link}' is not open`);
  const layer = String(p.options['layer'] ?? 'coap');
  if (layer === 'ipv6') {
    try {
      link.sendRaw(bytes);
    } catch (e) {
      if (e instanceof RawSendUnsupportedError) throw new ConfigError(`link '${dev.link}'`, 'unsupported', 'inject layer ipv6: this link carries datagrams, not raw IPv6 packets');
      throw e;
    }
  } else if (layer === 'coap' || layer === 'udp') {
    link.send({ src: bench.sources.addressFor(dev.name), dst: dev.address, srcPort: bench.nms.clientPort, dstPort: dev.port, payload: bytes });
  } else {
    throw new ConfigError(`device '${dev.name}'`, 'value', `inject: layer '${layer}' is not one of coap, ipv6`);
  }
  ctx.log(`injected ${bytes.length} bytes (${layer}) toward ${dev.name}`);
}
