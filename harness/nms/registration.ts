/**
 * POST /r from the NMS side (csmp-protocol.md 3.2, 6.1; draft notes 4.1):
 * - no DeviceID, several DeviceIDs (duplicate), or a DeviceID not in the rig's inventory (or
 *   taken out of it by a test): 4.03 without payload;
 * - several different SessionIDs: 4.04 without payload;
 * - a known device: 2.03 with ReportSubscribe, SessionID, [CGMSSettings], [GroupAssign],
 *   SignatureValidity, Signature (response-builder.ts), and the device goes to 'registering'.
 *   It becomes 'up' with its first report (reports.ts), not here.
 * A GroupAssign goes in when the GroupInfo the device sent differs from the rig's expected
 * firmware (type 2) or configuration (type 1) group, with FND's log line as the event.
 */
import type { CoapMessage } from '../coap/message.js';
import type { CoapResponse } from '../coap/endpoint.js';
import type { Peer } from '../coap/errors.js';
import { decodePayload } from '../csmp/payload.js';
import type { DecodedTlv } from '../csmp/value.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { Clock } from '../../core/clock.js';
import type { DeviceRecord, DeviceStates } from './device-state.js';
import { CONFIG_GROUP, expectedGroup, FIRMWARE_GROUP, groupsOf } from './groups.js';
import type { NmsEvents } from './events.js';
import { learnGroupsAndFirmware } from './learnt-tlvs.js';
import { registrationResponsePayload, type GroupId, type PayloadSigner } from './response-builder.js';
import { unsafeResponsePayload, type UnsafeResponse } from './unsafe-response.js';

/** What goes into one device's 2.03. */
export interface RegistrationSettings {
  /** Seconds, > 0. Default 900 (FND's shortest template interval, doc 6.4). */
  reportIntervalS: number;
  /** TLV ids to report, as text. Default ["22", "35"] (Uptime, WPANStatus). */
  reportTlvs: string[];
  /** Sign the 2.03 (SignatureValidity + Signature). Default true when the NMS has a key. */
  sign: boolean;
  /**
   * CGMSSettings (42) registration bounds in the 2.03. Default false: a csmp-agent-lib device
   * cannot apply TLV 42 and FAILS the registration (CGMSNotification code 2, doc 6.1). Turn it
   * on only for devices that implement 42, or to provoke that failure on purpose.
   */
  cgmsSettings: false | { regIntervalMin: number; regIntervalMax: number };
  /** A deliberately wrong 2.03 for security and robustness tests (unsafe-response.ts); unset in normal runs. */
  unsafe?: UnsafeResponse;
}

export const DEFAULT_REGISTRATION: RegistrationSettings = {
  reportIntervalS: 900,
  reportTlvs: [String(TLV.Uptime), String(TLV.WPANStatus)],
  sign: true,
  cgmsSettings: false,
};

export interface RegistrationContext {
  clock: Clock;
  devices: DeviceStates;
  events: NmsEvents;
  settingsFor(rec: DeviceRecord): RegistrationSettings;
  /** False for a rig device a test took out of the inventory: it is answered like an unknown one. */
  inInventory(rec: DeviceRecord): boolean;
  /** Undefined when the NMS has no signing key: the 2.03 then goes unsigned. */
  signer: PayloadSigner | undefined;
  sessionIdFor(rec: DeviceRecord): string;
  /** Source address for the answer (the reply-from switch), given the address the /r arrived at. */
  replySource(arrivedAt: string): string;
}

export interface RegistrationOutcome {
  response: CoapResponse;
  /** The device, when the DeviceID was known. */
  device?: DeviceRecord;
}

/** Normalises an EUI-64 as text: hex digits only, upper case ("0a:00:27:.." -> "0A0027..."). */
export function normaliseEui64(text: string): string {
  return text.replace(/[:\-\s]/g, '').toUpperCase();
}

function deviceIdOf(t: DecodedTlv): string | undefined {
  const id = t.value?.['id'];
  return typeof id === 'string' ? normaliseEui64(id) : undefined;
}

/** Device CurrentTime.posix minus NMS time, in whole seconds; undefined without a CurrentTime. */
export function clockOffsetS(tlvs: readonly DecodedTlv[], nowMs: number): number | undefined {
  const posix = tlvs.find((t) => t.type === TLV.CurrentTime)?.value?.['posix'];
  return typeof posix === 'number' ? posix - Math.floor(nowMs / 1000) : undefined;
}

export function handleRegistration(ctx: RegistrationContext, req: CoapMessage, from: Peer, to: Peer): RegistrationOutcome {
  const reject = (code: '4.00' | '4.03' | '4.04', why: string, eid?: string, known?: DeviceRecord): RegistrationOutcome => {
    // A registration the NMS cannot tie to a DeviceID is still the rig device's at that address:
    // its diagnosis must see the rejection (an undecodable /r, a wrong EUI-64 programmed).
    const rec = known ?? ctx.devices.byAddress(from.address);
    ctx.events.record({
      name: 'registrationRejected',
      message: `Registration from [${from.address}]:${from.port} rejected with ${code}: ${why}.`,
      ...(rec ? { device: rec.device.name } : {}),
      ...(eid ? { eid } : {}),
      details: { code, source: from.address, arrivedAt: to.address },
    });
    // [DRAFT] 4.03/4.04 carry no payload.
    return { response: { code, from: ctx.replySource(to.address) }, ...(rec ? { device: rec } : {}) };
  };

  const decoded = decodePayload(req.payload);
  if (decoded.error) return reject('4.00', `payload does not decode (${decoded.error.message})`);
  const tlvs = decoded.tlvs;

  const ids = tlvs.filter((t) => t.type === TLV.DeviceID).map(deviceIdOf);
  if (ids.length === 0 || ids[0] === undefined) return reject('4.03', 'no DeviceID');
  const eid = ids[0];
  if (ids.length > 1) return reject('4.03', `duplicate DeviceID (${ids.length} DeviceID TLVs: ${ids.join(', ')})`, eid);
  const rec = ctx.devices.get(eid);
  if (!rec) return reject('4.03', `unknown DeviceID ${eid} (not in the inventory)`, eid);
  if (!ctx.inInventory(rec)) return reject('4.03', `unknown DeviceID ${eid} (${rec.device.name} is out of the inventory)`, eid, rec);

  const sessions = new Set(tlvs.filter((t) => t.type === TLV.SessionID).map((t) => String(t.value?.['id'])));
  if (sessions.size > 1) return reject('4.04', `several SessionIDs (${[...sessions].join(', ')})`, eid, rec);

  const now = ctx.clock.now();
  rec.lastHeardAt = now;
  rec.lastSource = { address: from.address, port: from.port, localAddress: to.address };
  rec.lastRegistration = tlvs;
  learnGroupsAndFirmware(rec, tlvs, 'registration', now);
  const offset = clockOffsetS(tlvs, now);
  if (offset !== undefined) rec.clockOffsetS = offset;

  const settings = ctx.settingsFor(rec);
  const groupAssign = groupAssignments(ctx, rec, groupsOf(tlvs));
  const sessionId = ctx.sessionIdFor(rec);
  ctx.devices.setSession(rec, sessionId);
  const plan = {
    reportSubscribe: { interval: settings.reportIntervalS, tlvids: settings.reportTlvs },
    sessionId,
    ...(settings.cgmsSettings ? { cgmsSettings: settings.cgmsSettings } : {}),
    groupAssign,
  };
  const signer = settings.sign ? ctx.signer : undefined;
  const payload = settings.unsafe ? unsafeResponsePayload(plan, settings.unsafe, signer, now) : registrationResponsePayload(plan, signer, now);
  ctx.devices.registering(rec, settings.reportIntervalS);
  ctx.events.record({
    name: 'registrationRequest',
    message: `Registration request from mesh device ${rec.eid} at [${from.address}]:${from.port} answered 2.03.`,
    device: rec.device.name,
    eid: rec.eid,
    details: {
      arrivedAt: to.address,
      sessionId,
      reportIntervalS: settings.reportIntervalS,
      signed: settings.sign && ctx.signer !== undefined,
      cgmsSettings: settings.cgmsSettings !== false,
      groupAssign,
      ...(offset !== undefined ? { clockOffsetS: offset } : {}),
    },
  });
  return { response: { code: '2.03', payload, from: ctx.replySource(to.address) }, device: rec };
}

function groupAssignments(ctx: RegistrationContext, rec: DeviceRecord, running: Map<number, number>): GroupId[] {
  const out: GroupId[] = [];
  const check = (type: number, want: number | undefined, kind: 'firmware' | 'config'): void => {
    if (want === undefined) return;
    // The reference agent sends GroupInfo only for types it holds an id for: absent = id 0 = none.
    const have = running.get(type) ?? 0;
    if (have === want) return;
    out.push({ type, id: want });
    // FND's line (troubleshooting note); the parenthesis appears there when the device keeps
    // rejecting the signed response that carries the GroupAssign.
    const sig = rec.registrationSignatureRejected ? ' (Invalid CSMP Signature)' : '';
    ctx.events.record({
      name: kind === 'firmware' ? 'firmwareGroupMismatch' : 'configGroupMismatch',
      message: `Running ${kind} group on the device is id=${have} but must be id=${want}${sig}. Sending GroupAssign.`,
      device: rec.device.name,
      eid: rec.eid,
      details: { groupType: type, running: have, expected: want },
    });
  };
  check(FIRMWARE_GROUP, expectedGroup(rec.device.expected?.firmwareGroup), 'firmware');
  check(CONFIG_GROUP, expectedGroup(rec.device.expected?.configGroup), 'config');
  return out;
}
