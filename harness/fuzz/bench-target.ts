/**
 * A fuzz target over the bench `hil request` uses: POSTs go through the NMS client (signed by the
 * rig's NMS key, so they reach the device's handlers), raw frames onto the device's link from the
 * NMS's request address and port (as `inject` sends them), the probe is a GET of DeviceID (11,
 * the cheap TLV the protocol reference suggests), and recovery is a power cycle followed by
 * probes until the device answers again.
 */
import { CoapTimeoutError } from '../coap/errors.js';
import { ConfigError } from '../../core/errors.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { Bench } from '../steps/bench.js';
import type { FuzzInput } from './fuzz-input.js';
import type { FuzzTarget } from './campaign.js';

export interface BenchTargetOptions {
  /** Real ms the probe waits for an answer. */
  probeTimeoutMs: number;
  /** Real ms a device has to answer again after its power cycle. */
  recoverMs: number;
}

export function benchTarget(bench: Bench, device: string, opts: BenchTargetOptions): FuzzTarget {
  const dev = bench.device(device);
  const link = bench.link(dev.link);
  if (!link) throw new ConfigError(`device '${dev.name}'`, 'reference', `link '${dev.link}' is not open`);
  const client = bench.nms.client;
  // The answer to a fuzz input does not matter, only the probe after it: half the probe's wait.
  const sendTimeout = bench.toClockMs(opts.probeTimeoutMs / 2);
  const probeTimeout = bench.toClockMs(opts.probeTimeoutMs);
  const quiet = async (work: Promise<unknown>): Promise<void> => {
    try {
      await work;
    } catch (e) {
      if (!(e instanceof CoapTimeoutError)) throw e;
    }
  };
  const probe = async (): Promise<boolean> => {
    try {
      await client.get(dev.name, [TLV.DeviceID], { timeoutMs: probeTimeout });
      return true;
    } catch (e) {
      if (e instanceof CoapTimeoutError) return false;
      throw e;
    }
  };
  const power = bench.power(dev.name);
  return {
    async send(input: FuzzInput): Promise<void> {
      if (input.kind === 'post') {
        await quiet(client.post(dev.name, input.tlvs.map((t) => ({ type: t.type, fields: t.fields })), { sign: bench.nms.signing !== undefined, timeoutMs: sendTimeout }));
        return;
      }
      link.send({ src: bench.sources.addressFor(dev.name), dst: dev.address, srcPort: bench.nms.clientPort, dstPort: dev.port, payload: input.bytes });
    },
    probe,
    ...(power
      ? {
          recover: async (): Promise<boolean> => {
            await power.switch('cycle', { timeoutMs: opts.recoverMs });
            const until = Date.now() + opts.recoverMs;
            while (Date.now() < until) if (await probe()) return true;
            return false;
          },
        }
      : {}),
  };
}
