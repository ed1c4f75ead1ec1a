/**
 * The looks of the troubleshooting walk: what the NMS already saw (state, events, firewall and
 * per-address counters), then what the device answers (GET 35, 43, 18, 45, 58, 75) and, where
 * the runner can read it, the meter's console configuration XML. Every look is recorded as
 * evidence, whichever branch is taken; one the device left unanswered (no answer, an error code, an
 * answer without the TLV) is also noted as unanswered, even where what the NMS learnt before (the
 * last /r, a report) stands in for it, so that it can explain a fault but never clear a check.
 */
import type { DecodedTlv } from '../../csmp/value.js';
import { TLV } from '../../csmp/tlv-ids.js';
import { canonicalIpv6 } from '../../../drivers/ip/address.js';
import { runningImage, type RunningImage } from '../firmware-image.js';
import { learntFrom } from '../learnt-tlvs.js';
import { CONFIG_GROUP, expectedGroup, groupsOf } from '../groups.js';
import {
  LOOK_ORDER,
  type ConfigGroupLook,
  type ConsoleLook,
  type DiagnosisFacts,
  type DiagnosisProbe,
  type Facts,
  type FirmwareLook,
  type GroupsLook,
  type LookName,
  type Looked,
  type NmsLook,
  type ProbeResult,
  type SignaturesLook,
  type StatusLook,
  type UpTo,
} from './facts.js';

type See = (what: string, seen: string) => void;
/** A look the device left unanswered, and why. */
type Miss = (what: string, why: string) => void;

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

function lookAtNms(given: DiagnosisFacts, see: See): NmsLook {
  const dev = given.device;
  const port = given.firewall;
  const count = (name: string): number => given.events.filter((e) => e.name === name).length;
  const learnt = [
    given.groupInfo ? `; groups ${groupsText(groupsOf(given.groupInfo.tlvs))} ${learntFrom(given.groupInfo)}` : '',
    given.firmwareInfo ? `; firmware ${firmwareText(runningImage(given.firmwareInfo.tlvs.map((t) => t.value ?? {})))} ${learntFrom(given.firmwareInfo)}` : '',
  ].join('');
  see('NMS device state', `${given.state} (registrations answered: ${given.registrationCount}, reports: ${given.reportCount}${learnt})`);
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
  const perAddress = given.addresses
    .map((a) => {
      const c = given.counters[a.address];
      return `${a.name} ${a.address}: handled ${c?.handled ?? 0} (${c?.byDevice[dev.name] ?? 0} from ${dev.name}), sent ${c?.sent ?? 0}`;
    })
    .join('; ');
  see('per-address CSMP processing counters', `${perAddress || 'no NMS address'}; requests leave from ${given.sendsFrom}`);
  const rejections = given.events.filter((e) => e.name === 'registrationRejected');
  const lastRejection = rejections[rejections.length - 1];
  return {
    signatureFailures: count('signatureFailure'),
    firmwareGroupMismatches: count('firmwareGroupMismatch'),
    ...(lastRejection ? { lastRejection } : {}),
    droppedFromDevice,
    heardFromDevice: given.addresses.some((a) => (given.counters[a.address]?.byDevice[dev.name] ?? 0) > 0),
  };
}

async function lookAtStatus(probe: DiagnosisProbe, see: See, miss: Miss): Promise<StatusLook> {
  const wpan = await probe.get(TLV.WPANStatus);
  const wpanStatus = fieldsOf(wpan, TLV.WPANStatus)[0];
  see('GET 35 WPANStatus.SSID', resultText(wpan, () => (wpanStatus ? ssidText(wpanStatus['SSID']) : 'no WPANStatus in the answer')));
  if (!wpanStatus) miss('GET 35 WPANStatus', wpan.ok ? 'no WPANStatus in the answer' : resultText(wpan, () => ''));

  const status = await probe.get(TLV.CGMSStatus);
  const statusFields = fieldsOf(status, TLV.CGMSStatus)[0];
  const certValid = statusFields?.['NMSCertValid'];
  see(
    'GET 43 CGMSStatus.NMSCertValid',
    !status.ok && status.code === '4.04'
      ? '4.04: TLV 43 not supported by this device (csmp-agent-lib does not implement it)'
      : resultText(status, () => (statusFields ? (certValid === undefined ? 'absent' : String(certValid)) : 'no CGMSStatus in the answer')),
  );
  // 4.04 is an answer: csmp-agent-lib does not implement TLV 43, so there is nothing more to ask.
  if (!statusFields && status.code !== '4.04') miss('GET 43 CGMSStatus', status.ok ? 'no CGMSStatus in the answer' : resultText(status, () => ''));
  return { reachable: wpan.ok || wpan.code !== undefined, ...(wpanStatus ? { wpanStatus } : {}), certValid };
}

/** Only the meter's console configuration shows demo mode for certain. */
async function lookAtConsole(probe: DiagnosisProbe, see: See, miss: Miss): Promise<ConsoleLook> {
  // A device without a console reader is not asked: WPANStatus.demoModeEnabled is all there is.
  if (!probe.consoleConfigXml) {
    see('console configuration (DevCfgSchema XML)', 'not available (no console reader for this device)');
    return {};
  }
  const what = 'console configuration (DevCfgSchema XML)';
  let xml: string | undefined;
  try {
    xml = await probe.consoleConfigXml();
  } catch (err) {
    see(what, `not readable: ${(err as Error).message}`);
    miss(what, `not readable: ${(err as Error).message}`);
    return {};
  }
  if (xml === undefined) {
    see(what, 'not readable: the console gave nothing');
    miss(what, 'not readable: the console gave nothing');
    return {};
  }
  const demoMode = demoModeFromXml(xml);
  // The configuration was read: one without a DemoMode_Cfg section (the schema makes it optional)
  // is answered, and WPANStatus.demoModeEnabled decides, as for a device without a console reader.
  see('console configuration DemoMode_Cfg/DemoModeEnable', demoMode === undefined ? 'not present in the XML' : String(demoMode));
  return demoMode === undefined ? {} : { demoMode };
}

async function lookAtSignatures(given: DiagnosisFacts, probe: DiagnosisProbe, see: See, miss: Miss): Promise<SignaturesLook> {
  const time = await probe.get(TLV.CurrentTime);
  const posix = fieldsOf(time, TLV.CurrentTime)[0]?.['posix'];
  const read = time.ok && typeof posix === 'number' && time.nmsTimeS !== undefined ? posix - time.nmsTimeS : undefined;
  // Unread now, the last /r or report stands in: it can show a skew, never clear one.
  const offsetS = read ?? given.clockOffsetS;
  const unread = resultText(time, () => 'no CurrentTime in the answer');
  if (read === undefined) miss('GET 18 CurrentTime', unread);
  see(
    'device clock (CurrentTime) minus NMS time',
    read !== undefined ? `${read} s` : offsetS !== undefined ? `${unread}; from the last /r or report: ${offsetS} s` : unread,
  );

  const stats = await probe.get(TLV.CGMSStats);
  const statsFields = fieldsOf(stats, TLV.CGMSStats)[0];
  see(
    'GET 45 CGMSStats',
    resultText(stats, () =>
      statsFields ? `sigOk ${statsFields['sigOk'] ?? '-'}, sigBadAuth ${statsFields['sigBadAuth'] ?? '-'}, sigBadValidity ${statsFields['sigBadValidity'] ?? '-'}, regFails ${statsFields['regFails'] ?? '-'}` : 'no CGMSStats in the answer',
    ),
  );
  if (!statsFields) miss('GET 45 CGMSStats', stats.ok ? 'no CGMSStats in the answer' : resultText(stats, () => ''));
  const rejectedResponses = given.notificationCodes.filter((c) => c === 2).length;
  if (rejectedResponses > 0) see('CGMSNotification code 2 (registration response rejected) from the device', `${rejectedResponses} time(s)`);
  return {
    ...(offsetS !== undefined ? { offsetS } : {}),
    outsideWindow: offsetS !== undefined && given.signing && (offsetS < -given.validity.beforeS || offsetS > given.validity.afterS),
    badValidity: Number(statsFields?.['sigBadValidity'] ?? 0),
    badAuth: Number(statsFields?.['sigBadAuth'] ?? 0),
    rejectedResponses,
  };
}

async function lookAtGroups(given: DiagnosisFacts, probe: DiagnosisProbe, see: See, miss: Miss): Promise<GroupsLook> {
  const answer = await probe.get(TLV.GroupInfo);
  if (!answer.ok) miss('GET 58 GroupInfo', resultText(answer, () => ''));
  // Unanswered: what the NMS learnt before (a GET of a step, the /r of a registration it answered).
  const earlier = given.groupInfo ?? (given.lastRegistration ? { tlvs: given.lastRegistration, source: 'registration' as const, at: undefined } : undefined);
  const running = groupsOf(answer.ok ? answer.tlvs : (earlier?.tlvs ?? []));
  const described = groupsText(running);
  const known = answer.ok || earlier !== undefined;
  const from = earlier ? (earlier.at === undefined ? 'from last /r' : learntFrom({ ...earlier, at: earlier.at })) : '';
  see('GET 58 GroupInfo', answer.ok ? `${answer.code}: ${described}` : known ? `${resultText(answer, () => '')}; ${from}: ${described}` : `${resultText(answer, () => '')}; no registration of it seen and no GroupInfo read either: groups unknown`);
  return { running, known };
}

function groupsText(running: ReadonlyMap<number, number>): string {
  return running.size === 0 ? 'no group' : [...running].map(([t, id]) => `type ${t} id ${id}`).join(', ');
}

function firmwareText(image: RunningImage): string {
  const running = image.slot;
  return running ? `slot ${running['index'] ?? '?'} version ${JSON.stringify(running['version'])}, hwId ${JSON.stringify(image.hwId)}` : 'no slot running';
}

function noteConfigGroup(given: DiagnosisFacts, groups: GroupsLook, see: See): ConfigGroupLook {
  const running = groups.running.get(CONFIG_GROUP) ?? 0;
  const expected = expectedGroup(given.device.expected?.configGroup);
  if (expected !== undefined && running !== expected) see('configuration group', `device id=${running}, expected id=${expected}`);
  return { running, ...(expected !== undefined ? { expected } : {}) };
}

async function lookAtFirmware(given: DiagnosisFacts, probe: DiagnosisProbe, see: See, miss: Miss): Promise<FirmwareLook> {
  const fw = await probe.get(TLV.FirmwareImageInfo);
  if (!fw.ok) miss('GET 75 FirmwareImageInfo', resultText(fw, () => ''));
  const earlier = !fw.ok ? given.firmwareInfo : undefined;
  const slots = earlier ? earlier.tlvs.map((t) => t.value ?? {}) : fieldsOf(fw, TLV.FirmwareImageInfo);
  const image = runningImage(slots);
  const described = image.slot ? firmwareText(image) : `${slots.length} slot(s), none running`;
  see('GET 75 FirmwareImageInfo (running slot)', earlier ? `${resultText(fw, () => '')}; ${learntFrom(earlier)}: ${described}` : resultText(fw, () => described));
  return { answered: fw.ok || earlier !== undefined, image };
}

/** Facts before any look. */
export function newFacts(given: DiagnosisFacts): Facts {
  return { given, evidence: [], unanswered: [] };
}

/** Makes every look up to `last` (in LOOK_ORDER) that has not been made yet. */
export async function lookUpTo<K extends LookName>(facts: Facts, probe: DiagnosisProbe, last: K): Promise<Looked<UpTo<K>>> {
  const see: See = (what, seen) => {
    facts.evidence.push({ what, seen });
  };
  const miss: Miss = (what, why) => {
    facts.unanswered.push(`${what}: ${why}`);
  };
  const g = facts.given;
  for (const name of LOOK_ORDER) {
    if (facts[name] === undefined) {
      switch (name) {
        case 'nms':
          facts.nms = lookAtNms(g, see);
          break;
        case 'status':
          facts.status = await lookAtStatus(probe, see, miss);
          break;
        case 'console':
          facts.console = await lookAtConsole(probe, see, miss);
          break;
        case 'signatures':
          facts.signatures = await lookAtSignatures(g, probe, see, miss);
          break;
        case 'groups':
          facts.groups = await lookAtGroups(g, probe, see, miss);
          break;
        case 'configGroup':
          facts.configGroup = noteConfigGroup(g, facts.groups!, see);
          break;
        case 'firmware':
          facts.firmware = await lookAtFirmware(g, probe, see, miss);
          break;
        default:
          name satisfies never;
      }
    }
    if (name === last) break;
  }
  return facts as Looked<UpTo<K>>;
}
