/**
 * A fuzz target over the bench `hil request` uses: POSTs go through the NMS client (signed by the
 * rig's NMS key, so they reach the device's handlers), raw frames onto the device's link from the
 * NMS's request address and port (as `inject` sends them), the probe is one GET of DeviceID (2,
 * the cheap liveness TLV the protocol reference suggests) with Uptime, SessionID and CGMSStats
 * (22, 7, 45: what tells a reboot or a reset), and recovery is a power cycle followed by probes
 * until the device answers again.
 */
import { CoapTimeoutError } from '../coap/errors.js';
import { ConfigError } from '../../core/errors.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { Bench } from '../steps/bench.js';
import type { DeviceSnapshot } from '../steps/crash-class.js';
import { snapshotOf } from '../steps/crash-probe.js';
import type { FuzzInput } from './fuzz-input.js';
import type { FindingEvidence, FuzzTarget } from './campaign.js';
import { InputWindow } from './input-window.js';

/** A device's console transcript (harness/app's console logs have this shape). */
export interface ConsoleTranscript {
  textSince(sinceMs: number): string;
}

export interface BenchTargetOptions {
  /** Real ms the probe waits for an answer. */
  probeTimeoutMs: number;
  /** Real ms a device has to answer again after its power cycle. */
  recoverMs: number;
  /** The device's console transcript, for findings' evidence. */
  console?: ConsoleTranscript;
}

/** The target, and `stop()` to detach its frame window from the link. */
/** Real ms the console prompt may take when a crash is being recorded. */
const CONSOLE_PROMPT_MS = 2000;

export function benchTarget(bench: Bench, device: string, opts: BenchTargetOptions): FuzzTarget & { stop(): void } {
  const dev = bench.device(device);
  const link = bench.link(dev.link);
  if (!link) throw new ConfigError(`device '${dev.name}'`, 'reference', `link '${dev.link}' is not open`);
  const window = new InputWindow(link, dev.address);
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
  const probe = async (): Promise<DeviceSnapshot | undefined> => {
    const at = bench.clock.now();
    try {
      const a = await client.get(dev.name, [TLV.DeviceID, TLV.Uptime, TLV.SessionID, TLV.CGMSStats], { timeoutMs: probeTimeout });
      // Any answer is a live device; only a 2.05 carries the state to compare.
      return snapshotOf(a.code === '2.05' ? a.tlvs : [], at, bench.clock.now());
    } catch (e) {
      if (e instanceof CoapTimeoutError) return undefined;
      throw e;
    }
  };
  const power = bench.power(dev.name);
  return {
    async send(input: FuzzInput): Promise<void> {
      window.reset();
      if (input.kind === 'post') {
        await quiet(client.post(dev.name, input.tlvs.map((t) => ({ type: t.type, fields: t.fields })), { sign: bench.nms.signing !== undefined, timeoutMs: sendTimeout }));
        return;
      }
      link.send({ src: bench.sources.addressFor(dev.name), dst: dev.address, srcPort: bench.nms.clientPort, dstPort: dev.port, payload: input.bytes });
    },
    probe,
    evidence: async (): Promise<FindingEvidence> => {
      const { frames, dropped } = window.snapshot();
      const con = bench.console(dev.name);
      if (!con || !opts.console) return { frames, droppedFrames: dropped };
      // Whether the board's console still gives its prompt tells a crashed agent from a hung board.
      const consoleAnswers = await con.run('', { timeoutMs: CONSOLE_PROMPT_MS }).then(
        () => true,
        () => false,
      );
      return { frames, droppedFrames: dropped, console: opts.console.textSince(window.since), consoleAnswers };
    },
    stop: () => window.stop(),
    ...(power
      ? {
          recover: async (): Promise<DeviceSnapshot | undefined> => {
            await power.switch('cycle', { timeoutMs: opts.recoverMs });
            const until = Date.now() + opts.recoverMs;
            while (Date.now() < until) {
              const snap = await probe();
              if (snap) return snap;
            }
            return undefined;
          },
        }
      : {}),
  };
}
