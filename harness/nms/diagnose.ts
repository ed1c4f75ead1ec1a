/**
 * The CSMP registration troubleshooting flowchart (csmp-protocol.md 9), walked against one device:
 * first what the NMS already saw (state, events, firewall and per-address counters), then what
 * the device answers (GET 35, 43, 18, 45, 58, 75) and, where the runner can read it, the meter's
 * console configuration XML. Every look is recorded as evidence, whichever branch is taken.
 *
 * The walk is pure over DiagnosisFacts + DiagnosisProbe, so each branch can be tested on scripted
 * evidence; Nms.diagnose() supplies the live ones.
 */
import type { NmsEvent } from './events.js';
import type { AddressCounters } from './counters.js';
import type { DecodedTlv } from '../csmp/value.js';
import type { DeviceStateName, KnownDevice } from './device-state.js';
import { CONFIG_GROUP, expectedGroup, FIRMWARE_GROUP, groupsOf } from './groups.js';
import type { FirewallState } from './firewall.js';
import { firmwareMismatches, runningImage } from './firmware-image.js';
import { canonicalIpv6 } from '../../drivers/ip/address.js';

export type DiagnosisBranch =
  | 'registration'
  | 'firmware-group'
  | 'firmware-info'
  | 'nms-cert'
  | 'flash-corruption'
  | 'demo-mode'
  | 'clock-skew'
  | 'firewall'
  | 'load-balancer'
  | 'healthy';

export interface Evidence {
  what: string;
  seen: string;
}

export interface Diagnosis {
  branch: DiagnosisBranch;
  evidence: Evidence[];
  cause: string;
  fix: string;
}

/** What the NMS knows without asking the device. */
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

export interface DiagnosisFacts {
  device: KnownDevice;
  eid: string;
  state: DeviceStateName;
  registrationCount: number;
  reportCount: number;
  /** TLVs of the last POST /r, if any. */
  lastRegistration?: DecodedTlv[];
  /** Device CurrentTime minus NMS time (s), from the last /r or report. */
  clockOffsetS?: number;
  /** CGMSNotification codes received from the device. */
  notificationCodes: number[];
  /** Events about this device, oldest first. */
  events: NmsEvent[];
  firewall: FirewallState;
  /** The NMS's local addresses by role. */
  addresses: readonly { name: string; address: string }[];
  counters: Record<string, AddressCounters>;
  /** The address the NMS sends its requests from. */
  sendsFrom: string;
  /** Answers to NMS requests that arrived at another local address than the request left from. */
  misroutedAnswers: { sentFrom: string; arrivedAt: string; count: number }[];
  /** SignatureValidity window the NMS uses, relative to its own time (s). */
  validity: { beforeS: number; afterS: number };
  /** Whether the NMS signs what it sends this device. */
  signing: boolean;
  /** Whether CGMSSettings (42) goes into this device's 2.03. */
  cgmsSettingsInRegistration: boolean;
}

export type ProbeResult =
  /** nmsTimeS: NMS time (s) when the answer arrived, to compare with a CurrentTime in it. */
  | { ok: true; code: string; tlvs: DecodedTlv[]; nmsTimeS?: number; decodeError?: string }
  | { ok: false; code?: string; error: string };

/** How the walk asks the device. */
export interface DiagnosisProbe {
  /** One TLV per GET (as FND does). Never throws: failures come back as { ok: false }. */
  get(tlvId: number): Promise<ProbeResult>;
  /** The meter's configuration file (DevCfgSchema XML) read through its console, when available. */
  consoleConfigXml?: () => Promise<string | undefined>;
}

function fieldsOf(r: ProbeResult | undefined, type: number): Record<string, unknown>[] {
  return r && r.ok ? r.tlvs.filter((t) => t.type === type).map((t) => t.value ?? {}) : [];
}

function resultText(r: ProbeResult, describe: (tlvs: DecodedTlv[]) => string): string {
  if (!r.ok) return r.code ? `${r.code} (${r.error})` : r.error;
  return `${r.code}: ${describe(r.tlvs)}${r.decodeError ? `; the payload does not decode (${r.decodeError})` : ''}`;
}

function ssidText(v: unknown): string {
  if (v === undefined || v === null) return 'absent';
  if (v instanceof Uint8Array) return `"${Buffer.from(v).toString('latin1')}" (${Buffer.from(v).toString('hex') || 'empty'})`;
  return JSON.stringify(v);
}

/** DemoModeEnable inside DemoMode_Cfg of a DevCfgSchema document; undefined when the file does not say. */
export function demoModeFromXml(xml: string): boolean | undefined {
  const section = /<DemoMode_Cfg\b[^>]*>([\s\S]*?)<\/DemoMode_Cfg>/i.exec(xml)?.[1] ?? xml;
  const m = /<DemoModeEnable\b[^>]*>\s*([^<\s]*)\s*<\/DemoModeEnable>/i.exec(section);
  if (!m) return undefined;
  const v = m[1]!.toLowerCase();
  return v === 'true' || v === '1' || v === 'yes';
}

export async function diagnose(facts: DiagnosisFacts, probe: DiagnosisProbe): Promise<Diagnosis> {
  const evidence: Evidence[] = [];
  const see = (what: string, seen: string): void => {
    evidence.push({ what, seen });
  };
  const done = (branch: DiagnosisBranch, cause: string, fix: string): Diagnosis => ({ branch, evidence, cause, fix });
  const dev = facts.device;
  const port = facts.firewall;
  const count = (name: string): number => facts.events.filter((e) => e.name === name).length;

  // --- What the NMS already knows ---------------------------------------------------------
  see('NMS device state', `${facts.state} (registrations answered: ${facts.registrationCount}, reports: ${facts.reportCount})`);
  const sigFailures = count('signatureFailure');
  const rejected = facts.events.filter((e) => e.name === 'registrationRejected');
  see(
    'NMS events for the device',
    ['registrationSuccess', 'signatureFailure', 'registrationRejected', 'firmwareGroupMismatch', 'up', 'down']
      .map((n) => `${n} x${count(n)}`)
      .join(', '),
  );
  const droppedFromDevice = port.droppedFrom[canonicalIpv6(dev.address)] ?? 0;
  see(
    'NMS firewall',
    `inbound ${port.inbound === false ? 'open' : `dropping (${port.inbound})`}, outbound ${port.outbound ? 'dropping' : 'open'}; dropped inbound ${port.droppedInbound} (${droppedFromDevice} from ${dev.address}), outbound ${port.droppedOutbound}`,
  );
  const perAddress = facts.addresses
    .map((a) => {
      const c = facts.counters[a.address];
      return `${a.name} ${a.address}: handled ${c?.handled ?? 0} (${c?.byDevice[dev.name] ?? 0} from ${dev.name}), sent ${c?.sent ?? 0}`;
    })
    .join('; ');
  see('per-address CSMP processing counters', `${perAddress || 'no NMS address'}; requests leave from ${facts.sendsFrom}`);

  // --- Firewall: the device's datagrams never reach the NMS, or ours never leave ---------
  if ((port.inbound !== false && droppedFromDevice > 0) || (port.outbound && port.droppedOutbound > 0)) {
    return done(
      'firewall',
      port.inbound !== false && droppedFromDevice > 0
        ? `The NMS host firewall drops inbound CSMP (UDP ${dev.port === 61624 ? '61624' : '61628'} to the NMS): ${droppedFromDevice} datagram(s) from ${dev.address} never reached the NMS, so registrations and reports are lost and the device goes (or stays) DOWN.`
        : `The NMS host firewall drops outbound CSMP: ${port.droppedOutbound} datagram(s) (registration responses, requests) never left the NMS, so the device keeps retrying registration.`,
      'Open the CSMP port on the NMS host firewall (inbound UDP 61628 for csmp-agent-lib devices, 61624 for the meters of the troubleshooting note), or disable firewalld on the FND host; then check that /r and reports arrive.',
    );
  }

  // --- Load balancer: answers to the real server's requests arrive at the VIP -------------
  const vip = facts.addresses.find((a) => a.name === 'vip');
  const misrouted = facts.misroutedAnswers.filter((m) => m.count > 0);
  if (vip && misrouted.length > 0) {
    for (const m of misrouted) see('answers arriving at another address than the request left from', `${m.count} sent from ${m.sentFrom}, arrived at ${m.arrivedAt}`);
    return done(
      'load-balancer',
      `Answers to the NMS's requests arrive at ${misrouted.map((m) => m.arrivedAt).join(', ')} instead of the server that sent them (${misrouted.map((m) => m.sentFrom).join(', ')}): the device sends NON answers, reports and notifications to its configured NMS address (the VIP), so a load balancer must route them back to the server that asked.`,
      'Check source/destination addresses and ports between meters and FND; make the load balancer keep CSMP flows on one server (or answer from the VIP), compare per-server CSMP processing counts, and add the routing the VIP replies need.',
    );
  }

  // --- Registration refused by the NMS itself ---------------------------------------------
  if (rejected.length > 0 && facts.state !== 'up') {
    const last = rejected[rejected.length - 1]!;
    see('registration rejected by the NMS', last.message);
    const undecodable = last.details?.['code'] === '4.00';
    return done(
      'registration',
      `The NMS refuses the device's registration: ${last.message}`,
      undecodable
        ? 'Firmware defect: the device sends a registration that does not decode as CSMP TLVs; give the firmware team the pcap of its POST /r.'
        : 'Pre-provision the device in the NMS inventory with its exact EUI-64 (16 hex digits), and make sure no other device uses the same DeviceID.',
    );
  }

  // --- Ask the device ------------------------------------------------------------------------
  const wpan = await probe.get(35);
  const wpanFields = fieldsOf(wpan, 35)[0];
  const ssid = wpanFields?.['SSID'];
  see('GET 35 WPANStatus.SSID', resultText(wpan, () => (wpanFields ? ssidText(ssid) : 'no WPANStatus in the answer')));
  const reachable = wpan.ok || wpan.code !== undefined;

  const status = await probe.get(43);
  const statusFields = fieldsOf(status, 43)[0];
  const certValid = statusFields?.['NMSCertValid'];
  see(
    'GET 43 CGMSStatus.NMSCertValid',
    !status.ok && status.code === '4.04' ? '4.04: TLV 43 not supported by this device (csmp-agent-lib does not implement it)' : resultText(status, () => (statusFields ? (certValid === undefined ? 'absent' : String(certValid)) : 'no CGMSStatus in the answer')),
  );

  // Firewall, second form: the device is alive (it answers the NMS's GETs, which a stateful
  // firewall lets back in) yet none of its own datagrams ever reached any NMS address.
  const heardFromDevice = facts.addresses.some((a) => (facts.counters[a.address]?.byDevice[dev.name] ?? 0) > 0);
  if (reachable && facts.registrationCount === 0 && facts.reportCount === 0 && !heardFromDevice && port.inbound !== false) {
    return done(
      'firewall',
      `The device answers the NMS but nothing it sends (/r, reports) reaches the NMS, and the NMS firewall is dropping inbound CSMP (${port.inbound}).`,
      'Open inbound UDP 61628 (61624 for meters) on the NMS host firewall, or disable firewalld on the FND host.',
    );
  }

  if (wpan.ok && wpanFields && (ssid === undefined || ssid === null)) {
    return done(
      'flash-corruption',
      `Values the device reads from flash come back absent (WPANStatus.SSID${certValid === undefined ? ' and CGMSStatus.NMSCertValid' : ''} "NULL"): the device's flash/NVRAM content is corrupted.`,
      'Return the device to the vendor for hardware/flash repair or replacement; re-provision its configuration and certificates afterwards.',
    );
  }

  if (certValid === false) {
    return done(
      'nms-cert',
      'The device holds an NMS certificate it considers invalid (CGMSStatus.NMSCertValid false) while its network configuration (SSID) is present: the certificate file on the device is bad.',
      'Reload the correct NMS (FND) CSMP signing certificate onto the device (vendor tool or config push), then let it re-register.',
    );
  }

  // Demo mode: only the meter's console configuration shows it for certain; WPANStatus.demoModeEnabled is the nearest CSMP field.
  if (probe.consoleConfigXml) {
    let xml: string | undefined;
    try {
      xml = await probe.consoleConfigXml();
    } catch (err) {
      see('console configuration (DevCfgSchema XML)', `not readable: ${(err as Error).message}`);
    }
    if (xml !== undefined) {
      const demo = demoModeFromXml(xml);
      see('console configuration DemoMode_Cfg/DemoModeEnable', demo === undefined ? 'not present in the XML' : String(demo));
      if (demo === true) {
        return done(
          'demo-mode',
          'The meter runs in demo mode (DevCfgSchema DemoMode_Cfg/DemoModeEnable = true).',
          'Have the meter vendor disable demo mode in the meter configuration (DemoModeEnable false) and reload it.',
        );
      }
    }
  } else {
    see('console configuration (DevCfgSchema XML)', 'not available (no console reader for this device)');
  }
  if (wpanFields?.['demoModeEnabled'] === true) {
    see('GET 35 WPANStatus.demoModeEnabled', 'true');
    return done(
      'demo-mode',
      'The device reports demo mode enabled (WPANStatus.demoModeEnabled true).',
      'Have the meter vendor disable demo mode in the meter configuration (DemoModeEnable false) and reload it.',
    );
  }

  // Clock skew: the device's clock outside the SignatureValidity window the NMS signs with.
  const time = await probe.get(18);
  const posix = fieldsOf(time, 18)[0]?.['posix'];
  let offsetS = facts.clockOffsetS;
  // GET 18 is fresher than whatever the last /r or report said.
  if (time.ok && typeof posix === 'number' && time.nmsTimeS !== undefined) offsetS = posix - time.nmsTimeS;
  see('device clock (CurrentTime) minus NMS time', offsetS === undefined ? resultText(time, () => 'no CurrentTime') : `${offsetS} s`);
  const stats = await probe.get(45);
  const statsFields = fieldsOf(stats, 45)[0];
  const badValidity = Number(statsFields?.['sigBadValidity'] ?? 0);
  const badAuth = Number(statsFields?.['sigBadAuth'] ?? 0);
  see(
    'GET 45 CGMSStats',
    resultText(stats, () =>
      statsFields ? `sigOk ${statsFields['sigOk'] ?? '-'}, sigBadAuth ${statsFields['sigBadAuth'] ?? '-'}, sigBadValidity ${statsFields['sigBadValidity'] ?? '-'}, regFails ${statsFields['regFails'] ?? '-'}` : 'no CGMSStats in the answer',
    ),
  );
  const code2 = facts.notificationCodes.filter((c) => c === 2).length;
  if (code2 > 0) see('CGMSNotification code 2 (registration response rejected) from the device', `${code2} time(s)`);
  const outsideWindow = offsetS !== undefined && facts.signing && (offsetS < -facts.validity.beforeS || offsetS > facts.validity.afterS);
  if (outsideWindow || (badValidity > 0 && (code2 > 0 || sigFailures > 0))) {
    return done(
      'clock-skew',
      `The device clock is ${offsetS === undefined ? 'outside' : `${Math.abs(offsetS)} s ${offsetS < 0 ? 'behind' : 'ahead of'}`} the NMS${outsideWindow ? `, outside the SignatureValidity window (-${facts.validity.beforeS} s .. +${facts.validity.afterS} s)` : ''}: it rejects the signed registration response (sigBadValidity ${badValidity}), the NMS logs signatureFailure (1085, Invalid CSMP Signature) and the device stays Registering.`,
      'Verify the certificate setup and that the device and IoT-FND are time synchronized: fix the device clock (NTP / time source, RTC) and check the FND host\'s own NTP sync.',
    );
  }
  if (badAuth > 0 && (code2 > 0 || sigFailures > 0)) {
    return done(
      'nms-cert',
      `The device rejects the NMS signature itself (sigBadAuth ${badAuth}, sigBadValidity ${badValidity}): it holds a different NMS certificate/public key than the one the NMS signs with.`,
      'Install the NMS (FND) CSMP signing certificate that matches the NMS key on the device, or sign with the key the device trusts.',
    );
  }

  // Firmware group: what the device runs in vs what the rig expects.
  const groupsNow = await probe.get(58);
  const groups = groupsOf(groupsNow.ok ? groupsNow.tlvs : (facts.lastRegistration ?? []));
  const describeGroups = (m: Map<number, number>): string =>
    m.size === 0 ? 'no group' : [...m].map(([t, id]) => `type ${t} id ${id}`).join(', ');
  see('GET 58 GroupInfo', groupsNow.ok ? `${groupsNow.code}: ${describeGroups(groups)}` : `${resultText(groupsNow, () => '')}; from last /r: ${describeGroups(groups)}`);
  const wantFw = expectedGroup(dev.expected?.firmwareGroup);
  if (wantFw !== undefined && (groups.get(FIRMWARE_GROUP) ?? 0) !== wantFw) {
    const mismatches = count('firmwareGroupMismatch');
    return done(
      'firmware-group',
      `Running firmware group on the device is ${groups.has(FIRMWARE_GROUP) ? `id=${groups.get(FIRMWARE_GROUP)}` : 'not reported'} but must be id=${wantFw}${mismatches > 0 ? `; the NMS sent GroupAssign ${mismatches} time(s) and the device did not apply it${sigFailures > 0 ? ' (it rejects the signed response: Invalid CSMP Signature)' : ''}` : ''}.`,
      `Let the device accept GroupAssign{type 2, id ${wantFw}} (in the signed 2.03 or a signed unicast POST): fix whatever makes it reject signed messages, or move it to firmware group ${wantFw} in the NMS.`,
    );
  }
  const wantCfg = expectedGroup(dev.expected?.configGroup);
  if (wantCfg !== undefined && (groups.get(CONFIG_GROUP) ?? 0) !== wantCfg) {
    see('configuration group', `device id=${groups.get(CONFIG_GROUP) ?? 0}, expected id=${wantCfg}`);
  }

  // Firmware image info: the running slot vs the expected version and hwId.
  const fw = await probe.get(75);
  const slots = fieldsOf(fw, 75);
  const image = runningImage(slots);
  const running = image.slot;
  const hwId = image.hwId;
  see(
    'GET 75 FirmwareImageInfo (running slot)',
    resultText(fw, () =>
      running ? `slot ${running['index'] ?? '?'} version ${JSON.stringify(running['version'])}, hwId ${JSON.stringify(hwId)}` : `${slots.length} slot(s), none running`,
    ),
  );
  const exp = dev.expected;
  // An empty expectation (an ad-hoc device given by address) is none.
  if (fw.ok && exp && (exp.firmwareVersion || exp.hwId)) {
    const problems = running
      ? firmwareMismatches(image, exp).map((m) =>
          m.field === 'version'
            ? `running version ${JSON.stringify(m.seen)}, expected ${JSON.stringify(m.expected)}`
            : `hwId ${JSON.stringify(m.seen)}, expected ${JSON.stringify(m.expected)} (case-sensitive)`,
        )
      : ['no slot is marked running'];
    if (problems.length > 0) {
      return done(
        'firmware-info',
        `The device's firmware does not match what the NMS expects: ${problems.join('; ')}.`,
        'Load the expected image (matching the hwId in the NMS device-type metadata) onto the device, or correct the expected firmware in the rig/NMS.',
      );
    }
  }

  // Nothing specific, but not up: a registration problem of its own.
  if (facts.state !== 'up') {
    let cause: string;
    let fix: string;
    if (!reachable && facts.registrationCount === 0) {
      cause = 'The NMS has never heard from the device and it does not answer GETs: it is not reachable (mesh/route) or not configured with this NMS address.';
      fix = 'Check the device joined the mesh (pingable over IPv6 from the NMS) and that its configured NMS address and port are this NMS (61628 for csmp-agent-lib, 61624 for meters).';
    } else if (facts.registrationCount > 0 && facts.reportCount === 0) {
      cause = `The device registers but never sends its first report: it does not apply the registration response${code2 > 0 ? ` (CGMSNotification code 2 x${code2})` : ''}${facts.cgmsSettingsInRegistration ? '; the 2.03 carries CGMSSettings (42), which csmp-agent-lib devices cannot apply (registration fails)' : ''}.`;
      fix = facts.cgmsSettingsInRegistration
        ? 'Turn off CGMSSettings in this device\'s registration response (off by default), then let it re-register.'
        : 'Check that the 2.03 carries only TLVs the device can apply, with ReportSubscribe interval > 0, signed with the key the device trusts.';
    } else {
      cause = `The device is ${facts.state} and none of the specific branches matched.`;
      fix = 'Check that the device keeps reporting to this NMS address, and its mesh connectivity.';
    }
    return done('registration', cause, fix);
  }

  return done('healthy', 'The device is up and every check of the flowchart passed.', 'Nothing to fix.');
}
