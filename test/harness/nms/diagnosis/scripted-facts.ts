/**
 * Scripted evidence for the troubleshooting walk: the NMS facts of a healthy, up meter, a probe
 * answering each GET from a table (a healthy meter's answers unless overridden), and the walk's
 * own looks run over them so a branch check can be called on exactly what diagnose would hand it.
 */
import { buildPayload, decodePayload, type TlvToBuild } from '../../../../harness/csmp/payload.js';
import type { DiagnosisFacts, DiagnosisProbe, LookName, Looked, ProbeResult, UpTo } from '../../../../harness/nms/diagnosis/facts.js';
import { lookUpTo, newFacts } from '../../../../harness/nms/diagnosis/looks.js';
import type { NmsEvent } from '../../../../harness/nms/events.js';
import { FND, METER, NOW_S, VIP } from '../scripted-device.js';

export const meter = {
  name: 'meter1',
  eui64: '0A0027FFFE3B2AB2',
  address: METER,
  port: 61628,
  expected: { firmwareVersion: '6.6.99', hwId: 'CSMP-HW', firmwareGroup: 317 },
};

export function ok(...items: TlvToBuild[]): ProbeResult {
  return { ok: true, code: '2.05', tlvs: decodePayload(buildPayload(items, { lengthStyle: 'agent' })).tlvs, nmsTimeS: NOW_S };
}

export const healthyAnswers: Record<number, ProbeResult> = {
  35: ok({ type: 35, fields: { ifIndex: 2, SSID: Buffer.from('CISCO') } }),
  43: { ok: false, code: '4.04', error: 'error answer' },
  18: ok({ type: 18, fields: { posix: NOW_S + 3 } }),
  45: ok({ type: 45, fields: { sigOk: 2, sigBadAuth: 0, sigBadValidity: 0, regFails: 0 } }),
  58: ok({ type: 58, fields: { type: 2, id: 317 } }),
  75: ok({ type: 75, fields: { index: 1, version: '6.6.99', isRunning: true, hwInfo: { hwId: 'CSMP-HW' } } }, { type: 75, fields: { index: 2, version: '' } }),
};

export function probe(over: Record<number, ProbeResult> = {}, xml?: string): DiagnosisProbe & { asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    get: async (id) => {
      asked.push(id);
      return over[id] ?? healthyAnswers[id] ?? { ok: false, error: 'timeout' };
    },
    ...(xml !== undefined ? { consoleConfigXml: async () => xml } : {}),
  };
}

export function event(name: NmsEvent['name'], message = name): NmsEvent {
  return { seq: 1, at: 0, name, eventTypeId: 0, displayName: name, severity: 'INFO', message, device: 'meter1' };
}

export function facts(over: Partial<DiagnosisFacts> = {}): DiagnosisFacts {
  return {
    device: meter,
    eid: meter.eui64,
    state: 'up',
    registrationCount: 1,
    reportCount: 3,
    notificationCodes: [],
    events: [event('registrationSuccess'), event('up')],
    firewall: { inbound: false, outbound: false, droppedInbound: 0, droppedOutbound: 0, droppedFrom: {} },
    addresses: [
      { name: 'fnd', address: FND },
      { name: 'vip', address: VIP },
    ],
    counters: {},
    sendsFrom: FND,
    misroutedAnswers: [],
    validity: { beforeS: 600, afterS: 3600 },
    signing: true,
    cgmsSettingsInRegistration: false,
    ...over,
  };
}

/** The facts after the walk's looks up to `last`, as diagnose hands them to a branch check. */
export function looked<K extends LookName>(last: K, given: DiagnosisFacts = facts(), p: DiagnosisProbe = probe()): Promise<Looked<UpTo<K>>> {
  return lookUpTo(newFacts(given), p, last);
}

/** What the looks record for facts() and probe() where a test leaves them as they are. */
export const SEEN = {
  upEvents: { what: 'NMS events for the device', seen: 'registrationSuccess x1, signatureFailure x0, registrationRejected x0, firmwareGroupMismatch x0, up x1, down x0' },
  firewallOpen: { what: 'NMS firewall', seen: 'inbound open, outbound open; dropped inbound 0 (0 from fd00::2), outbound 0' },
  noCounters: {
    what: 'per-address CSMP processing counters',
    seen: 'fnd fd00::1: handled 0 (0 from meter1), sent 0; vip fd00::100: handled 0 (0 from meter1), sent 0; requests leave from fd00::1',
  },
  ssid: { what: 'GET 35 WPANStatus.SSID', seen: '2.05: "CISCO" (434953434f)' },
  no43: { what: 'GET 43 CGMSStatus.NMSCertValid', seen: '4.04: TLV 43 not supported by this device (csmp-agent-lib does not implement it)' },
  noConsole: { what: 'console configuration (DevCfgSchema XML)', seen: 'not available (no console reader for this device)' },
  clock: { what: 'device clock (CurrentTime) minus NMS time', seen: '3 s' },
  stats: { what: 'GET 45 CGMSStats', seen: '2.05: sigOk 2, sigBadAuth 0, sigBadValidity 0, regFails 0' },
  groups: { what: 'GET 58 GroupInfo', seen: '2.05: type 2 id 317' },
  firmware: { what: 'GET 75 FirmwareImageInfo (running slot)', seen: '2.05: slot 1 version "6.6.99", hwId "CSMP-HW"' },
} as const;

/** The looks' lines in runs, where a test leaves a whole look as it is. */
export const QUIET_NMS = [SEEN.firewallOpen, SEEN.noCounters];
export const HEALTHY_STATUS = [SEEN.ssid, SEEN.no43];
export const HEALTHY_SIGNATURES = [SEEN.clock, SEEN.stats];
