/**
 * Walks the troubleshooting flowchart (harness/nms/diagnose.ts) for one device of a bench.
 *
 * Nms.diagnose() judges a device on everything the NMS has seen since it started and on the NMS's
 * one firewall. A run keeps one NMS for many tests on many devices, so the facts here are the
 * device's own and, inside a test, only what happened since the test began: events, CGMS
 * notifications and misrouted answers of earlier tests (a load-balancer test, a skewed clock that
 * was since fixed) must not decide the branch of a later failure. GETs leave from the device's
 * own request address (reply-from) with a real-time bound per GET.
 */
import { diagnose, type Diagnosis, type DiagnosisProbe, type ProbeResult } from '../nms/diagnose.js';
import type { Bench } from './bench.js';

/** Where "since the test began" starts; all zeros for a diagnosis outside a test. */
export interface DiagnosisWindow {
  /** NmsEvents seq: events after it count. */
  eventSeq: number;
  /** NMS clock ms: notifications at or after it count. */
  atMs: number;
  /** Misrouted-answer counts at the start, by "sentFrom>arrivedAt". */
  misroutes: ReadonlyMap<string, number>;
}

export const WHOLE_HISTORY: DiagnosisWindow = { eventSeq: 0, atMs: 0, misroutes: new Map() };

export interface DiagnoseDeviceOptions {
  window?: DiagnosisWindow;
  /** Real ms each GET may take (default 3000). */
  getTimeoutMs?: number;
  /** The meter's DevCfgSchema XML, when its console can print it. */
  consoleConfigXml?: () => Promise<string | undefined>;
}

export function misrouteSnapshot(bench: Bench, device: string): Map<string, number> {
  return new Map(bench.nms.client.misroutedAnswers(device).map((m) => [`${m.sentFrom}>${m.arrivedAt}`, m.count]));
}

export async function diagnoseDevice(bench: Bench, device: string, opts: DiagnoseDeviceOptions = {}): Promise<Diagnosis> {
  const { nms } = bench;
  const window = opts.window ?? WHOLE_HISTORY;
  const rec = nms.devices.require(device);
  const name = rec.device.name;
  const settings = nms.registrationSettings(name);
  const getTimeoutMs = bench.toClockMs(opts.getTimeoutMs ?? 3000);
  // A device that let one GET go unanswered is not asked again: each would cost a full timeout.
  let silent: string | undefined;
  const probe: DiagnosisProbe = {
    get: async (tlvId): Promise<ProbeResult> => {
      if (silent) return { ok: false, error: `not asked (${silent})` };
      try {
        const a = await bench.sources.around(name, () => nms.client.get(name, tlvId, { timeoutMs: getTimeoutMs }));
        if (!a.code.startsWith('2.')) return { ok: false, code: a.code, error: 'error answer' };
        return { ok: true, code: a.code, tlvs: a.tlvs, nmsTimeS: Math.floor(bench.clock.now() / 1000) };
      } catch (e) {
        if ((e as Error).name === 'CoapTimeoutError') {
          silent = `no answer to GET ${tlvId} within ${Math.round(bench.toRealMs(getTimeoutMs))} ms`;
          return { ok: false, error: silent };
        }
        return { ok: false, error: (e as Error).message };
      }
    },
    ...(opts.consoleConfigXml ? { consoleConfigXml: opts.consoleConfigXml } : {}),
  };
  const misroutedAnswers = nms.client
    .misroutedAnswers(name)
    .map((m) => ({ ...m, count: m.count - (window.misroutes.get(`${m.sentFrom}>${m.arrivedAt}`) ?? 0) }))
    .filter((m) => m.count > 0);
  return diagnose(
    {
      device: rec.device,
      eid: rec.eid,
      state: rec.state,
      registrationCount: rec.registrationCount,
      reportCount: rec.reportCount,
      ...(rec.lastRegistration ? { lastRegistration: rec.lastRegistration } : {}),
      ...(rec.clockOffsetS !== undefined ? { clockOffsetS: rec.clockOffsetS } : {}),
      notificationCodes: rec.notifications.filter((n) => n.at >= window.atMs).map((n) => n.code),
      events: nms.events.find((e) => e.device === name, window.eventSeq),
      firewall: bench.firewall.stateFor(rec.device.address),
      addresses: nms.addresses,
      counters: nms.counters.snapshot(),
      sendsFrom: bench.sources.addressFor(name),
      misroutedAnswers,
      validity: bench.validity,
      signing: nms.signing && settings.sign,
      cgmsSettingsInRegistration: settings.cgmsSettings !== false,
    },
    probe,
  );
}

/** Diagnosis as report lines: the evidence, one "what: seen" per line. */
export function evidenceLines(d: Diagnosis): string[] {
  return d.evidence.map((e) => `${e.what}: ${e.seen}`);
}
