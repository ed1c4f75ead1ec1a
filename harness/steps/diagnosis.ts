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

export interface DiagnoseDeviceOptions {
  window?: DiagnosisWindow;
  /** Real ms each GET may take (default 3000). */
  getTimeoutMs?: number;
  /** The meter's DevCfgSchema XML, when its console can print it. */
  consoleConfigXml?: () => Promise<string | undefined>;
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
  // The facts as the NMS has them, but requests leave from this device's own address (reply-from).
  return diagnose({ ...nms.diagnosisFacts(name, window), sendsFrom: bench.sources.addressFor(name) }, probe);
}

/** Diagnosis as report lines: the evidence, one "what: seen" per line. */
export function evidenceLines(d: Diagnosis): string[] {
  return d.evidence.map((e) => `${e.what}: ${e.seen}`);
}
