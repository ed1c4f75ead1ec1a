/**
 * Walks the troubleshooting flowchart (harness/nms/diagnosis) for one device of a bench.
 *
 * A run keeps one NMS for many tests on many devices, so inside a test the facts are only what
 * happened since the test began (Nms.diagnosisFacts with a window): events, CGMS notifications
 * and misrouted answers of earlier tests (a load-balancer test, a skewed clock that was since
 * fixed) must not decide the branch of a later failure. GETs leave from the device's own request
 * address (reply-from) with a real-time bound per GET.
 */
import { diagnose } from '../nms/diagnosis/diagnose.js';
import { WHOLE_HISTORY, type DiagnosisProbe, type DiagnosisWindow, type ProbeResult } from '../nms/diagnosis/facts.js';
import type { Diagnosis } from '../nms/diagnosis/result.js';
import type { Bench } from './bench.js';
import { CoapTimeoutError } from '../coap/errors.js';
import { EventTimeoutError, type NmsEvent } from '../nms/events.js';

export interface DiagnoseDeviceOptions {
  window?: DiagnosisWindow;
  /** Real ms each GET may take (default 3000). */
  getTimeoutMs?: number;
  /** The meter's DevCfgSchema XML, when its console can print it. */
  consoleConfigXml?: () => Promise<string | undefined>;
  /**
   * Real ms to wait, for a Down device behind an NMS firewall rule that has dropped nothing of it
   * yet, for the next datagram it sends to be dropped (default: none).
   */
  dropWaitMs?: number;
}

export async function diagnoseDevice(bench: Bench, device: string, opts: DiagnoseDeviceOptions = {}): Promise<Diagnosis> {
  const { nms } = bench;
  const window = opts.window ?? WHOLE_HISTORY;
  const name = nms.devices.require(device).device.name;
  const getTimeoutMs = bench.toClockMs(opts.getTimeoutMs ?? 3000);
  // A device that let one GET go unanswered is not asked again: each would cost a full timeout.
  let silent: string | undefined;
  const probe: DiagnosisProbe = {
    get: async (tlvId): Promise<ProbeResult> => {
      if (silent) return { ok: false, error: `not asked (${silent})` };
      try {
        const a = await bench.sources.around(name, () => nms.client.get(name, tlvId, { timeoutMs: getTimeoutMs }));
        if (!a.code.startsWith('2.')) return { ok: false, code: a.code, error: 'error answer' };
        return { ok: true, code: a.code, tlvs: a.tlvs, ...(a.decodeError ? { decodeError: a.decodeError } : {}), nmsTimeS: Math.floor(bench.clock.now() / 1000) };
      } catch (e) {
        if (e instanceof CoapTimeoutError) {
          silent = `no answer to GET ${tlvId} within ${Math.round(bench.toRealMs(getTimeoutMs))} ms`;
          return { ok: false, error: silent };
        }
        return { ok: false, error: (e as Error).message };
      }
    },
    ...(opts.consoleConfigXml ? { consoleConfigXml: opts.consoleConfigXml } : {}),
  };
  if (opts.dropWaitMs) await awaitDrop(bench, name, bench.toClockMs(opts.dropWaitMs));
  // The facts as the NMS has them, but requests leave from this device's own address (reply-from).
  return diagnose({ ...nms.diagnosisFacts(name, window), sendsFrom: bench.sources.addressFor(name), restarts: bench.restartsOf(name) }, probe);
}

/** Diagnosis as report lines: the evidence, one "what: seen" per line. */
export function evidenceLines(d: Diagnosis): string[] {
  return d.evidence.map((e) => `${e.what}: ${e.seen}`);
}

/**
 * A device marked Down behind a firewall rule, with nothing of it dropped yet: on a starved host the
 * NMS's Down timer can fire just before the report that was due reaches the firewall (the timers
 * run late together; the report still has the serial line and the dongle to cross). Its next
 * datagram tells a device whose reports are being blocked from one that stopped sending: wait
 * for it, up to one report interval and at most `maxClockMs`.
 */
async function awaitDrop(bench: Bench, device: string, maxClockMs: number): Promise<void> {
  const { nms } = bench;
  const rec = nms.devices.require(device);
  const fw = nms.firewall.stateFor(rec.device.address);
  if (rec.state !== 'down' || fw.inbound === false || fw.droppedInbound > 0 || !rec.reportIntervalS) return;
  const since = nms.events.mark();
  const blocked = (e: NmsEvent): boolean => (e.name === 'inboundBlocked' || e.name === 'registrationBlocked') && e.device === device;
  try {
    await nms.events.waitFor(blocked, Math.min(maxClockMs, rec.reportIntervalS * 1000), { since, what: `a datagram from ${device} dropped by the NMS firewall` });
  } catch (e) {
    if (!(e instanceof EventTimeoutError)) throw e;
  }
}
