/**
 * Is a device there? One cheap probe (GET DeviceID, csmp-protocol.md's liveness suggestion), or
 * any frame from its address on the link while the probe waited: a device that answers to the
 * wrong place, or only registers and reports, is alive (its fault is for the tests to judge).
 *
 * A device that sends nothing is *silent*; the evidence names what was tried (the probe, frames
 * from its address, its console prompt, its power). When the harness controls its power it is
 * cycled once and probed until it has had time to boot; still silent, it is lost.
 *
 * Limits are real time (protecting the run), converted to the rig's clock for the NMS.
 */
import { canonicalIpv6 } from '../../drivers/ip/address.js';
import { CoapTimeoutError } from '../coap/errors.js';
import type { DeviceSpec } from '../config/rig.js';
import { TLV } from '../csmp/tlv-ids.js';
import { normaliseEui64 } from '../nms/registration.js';
import type { Liveness } from '../runner/executor.js';
import type { Bench } from './bench.js';

export interface LivenessOptions {
  /** Real ms one probe GET may take (default 4000). */
  probeTimeoutMs?: number;
  /** Real ms the console prompt may take (default 2000). */
  consoleTimeoutMs?: number;
  /** Clock ms a power-cycled device has to answer again (default 2 minutes: a meter's boot and join). */
  bootWaitMs?: number;
  /** Health check: the DeviceID must be the rig's (what `hil check` asks), and a configured console must answer. */
  health?: boolean;
}

type Probe = { answered: true; eid?: string } | { answered: false; why: string; frames: number };

async function probeOnce(bench: Bench, device: DeviceSpec, timeoutMs: number, signal: AbortSignal): Promise<Probe> {
  const since = Date.now();
  const address = canonicalIpv6(device.address);
  const framesFrom = (): number => bench.frames?.from(address, since).length ?? 0;
  try {
    if (signal.aborted) throw signal.reason;
    const a = await bench.sources.around(device.name, () => bench.nms.client.get(device.name, TLV.DeviceID, { timeoutMs: bench.toClockMs(timeoutMs) }));
    const id = a.tlvs.find((t) => t.type === TLV.DeviceID)?.value?.['id'];
    return typeof id === 'string' ? { answered: true, eid: normaliseEui64(id) } : { answered: true };
  } catch (e) {
    const why = e instanceof CoapTimeoutError ? `no answer to GET ${TLV.DeviceID} (DeviceID) within ${Math.round(timeoutMs / 100) / 10} s` : `GET ${TLV.DeviceID} failed: ${(e as Error).message}`;
    return { answered: false, why, frames: framesFrom() };
  }
}

export async function consoleState(bench: Bench, device: DeviceSpec, timeoutMs: number): Promise<{ ok: boolean; text: string; present: boolean }> {
  const con = bench.console(device.name);
  if (!con) return { ok: true, text: 'no console on the rig', present: false };
  try {
    await con.run('', { timeoutMs });
    return { ok: true, text: 'console prompt answers', present: true };
  } catch (e) {
    return { ok: false, text: `console prompt does not answer (${(e as Error).message})`, present: true };
  }
}

export async function probeLiveness(bench: Bench, device: DeviceSpec, signal: AbortSignal, opts: LivenessOptions = {}): Promise<Liveness> {
  const probeMs = opts.probeTimeoutMs ?? 4000;
  const first = await probeOnce(bench, device, probeMs, signal);
  const want = normaliseEui64(device.eui64);
  if (first.answered) {
    if (opts.health && first.eid !== undefined && first.eid !== want) return { alive: false, evidence: `DeviceID ${first.eid}, but the rig says ${want}: another device answers at ${device.address}` };
    if (opts.health) {
      const con = await consoleState(bench, device, opts.consoleTimeoutMs ?? 2000);
      if (!con.ok) return { alive: false, evidence: `answers on the radio, but its ${con.text}` };
    }
    return { alive: true };
  }
  if (first.frames > 0) return { alive: true, note: `${first.why}, but it sent ${first.frames} frame(s) meanwhile` };

  const con = await consoleState(bench, device, opts.consoleTimeoutMs ?? 2000);
  const evidence = [`silent: ${first.why}`, `no frame from ${device.address} on the link meanwhile`, con.text];
  const consoleAnswers = con.present ? { consoleAnswers: con.ok } : {};
  const power = bench.power(device.name);
  if (!power) return { alive: false, evidence: [...evidence, 'no power control to cycle it'].join('; '), ...consoleAnswers };
  try {
    await power.switch('cycle', { signal });
    bench.journal(device.name).poweredOff = false;
  } catch (e) {
    return { alive: false, evidence: [...evidence, `power cycle failed: ${(e as Error).message}`].join('; '), ...consoleAnswers };
  }
  // Probe until it had the time to boot: each GET's own timeout is the wait between tries.
  const started = bench.clock.now();
  const bootWaitMs = opts.bootWaitMs ?? 120_000;
  let last: Probe = first;
  while (bench.clock.now() - started < bootWaitMs && !signal.aborted) {
    last = await probeOnce(bench, device, probeMs, signal);
    if (last.answered || last.frames > 0) {
      return { alive: true, cycled: `${evidence.join('; ')}; power-cycled once: answers again after ${Math.round(bench.toRealMs(bench.clock.now() - started))} ms`, ...consoleAnswers };
    }
    if (!last.why.startsWith('no answer')) await bench.sleep(bench.toClockMs(200), signal).catch(() => undefined);
  }
  return { alive: false, evidence: [...evidence, `power-cycled once: still silent (${last.answered ? '' : last.why})`].join('; '), ...consoleAnswers };
}
