/**
 * GET handlers of the virtual meter: what each supported TLV reads back (csmp-protocol.md 5.1,
 * 5.2, 5.4, 8.5-8.7). The set is the reference agent's plus CGMSStatus (43), which the
 * troubleshooting note's meters serve and the reference agent does not.
 *
 * Values use the agent's field choices: explicit presence (zeros are sent), rows of table TLVs
 * one TLV each, empty results where the agent answers 2.05 empty (SessionID before
 * registration, GroupInfo with no group, vendor TLV without Cisco's PEN). Fields read from
 * flash are left out when the flash cannot supply them.
 */
import { encodeValue } from '../../../harness/csmp/value.js';
import { AGENT_VENDOR_TYPE } from '../../../harness/csmp/registry.js';
import { TLV } from '../../../harness/csmp/tlv-ids.js';
import type { TlvInput } from '../../../harness/csmp/tlv.js';
import type { TlvId } from '../../../harness/csmp/tlv-id.js';
import type { AgentContext, GetResult } from './context.js';
import { ClockUnreadable } from './device-time.js';
import { parseIpv6 } from './ipv6-address.js';
import type { FirmwareSlot } from './platform.js';
import { cgmsStatsFields } from './stats.js';

export const CISCO_PEN = 5771;

/** TlvIndex in the agent's own order (HEAD's 20 ids, doc 8.7) plus 43. 45 is served but not listed, as in the agent. */
export const ADVERTISED_TLVS = [
  TLV.TlvIndex,
  TLV.DeviceID,
  TLV.SessionID,
  TLV.GroupAssign,
  TLV.GroupInfo,
  TLV.ReportSubscribe,
  TLV.HardwareDesc,
  TLV.InterfaceDesc,
  TLV.IPAddress,
  TLV.IPRoute,
  TLV.CurrentTime,
  TLV.Uptime,
  TLV.InterfaceMetrics,
  TLV.IPRouteRPLMetrics,
  TLV.WPANStatus,
  TLV.RPLInstance,
  TLV.FirmwareImageInfo,
  TLV.SignatureValidity,
  TLV.Signature,
  TLV.SignatureSettings,
  TLV.CGMSStatus,
].map(String);

const tlv = (type: number, fields: Record<string, unknown>): TlvInput => ({ type, value: encodeValue(type, fields) });
const ok = (tlvs: TlvInput[]): GetResult => ({ ok: true, tlvs });
const UNSUPPORTED: GetResult = { ok: false, error: 'unsupported' };

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

export function getTlv(ctx: AgentContext, id: TlvId, index: number): GetResult {
  if (id.vendor || id.type === TLV.Vendor) return ok(vendorTlvs(ctx, id));
  switch (id.type) {
    case TLV.TlvIndex:
      return ok([tlv(TLV.TlvIndex, { tlvid: ADVERTISED_TLVS })]);
    case TLV.DeviceID:
      return ok([deviceId(ctx)]);
    case TLV.SessionID:
      return ok(ctx.ram.sessionId ? [tlv(TLV.SessionID, { id: String.fromCharCode(...ctx.ram.sessionId) })] : []);
    case TLV.HardwareDesc:
      return ok([hardwareDesc(ctx)]);
    case TLV.InterfaceDesc:
      return ok(interfaceDesc(ctx));
    case TLV.ReportSubscribe:
      return ok([reportSubscribe(ctx)]);
    case TLV.IPAddress:
      return ok(ipAddresses(ctx));
    case TLV.IPRoute:
      return ok([ipRoute(ctx)]);
    case TLV.CurrentTime: {
      const t = currentTime(ctx);
      return t ? ok([t]) : { ok: false, error: 'read' };
    }
    case TLV.Uptime:
      return ok([tlv(TLV.Uptime, { sysUpTime: ctx.uptimeSec() })]);
    case TLV.InterfaceMetrics:
      return ok(interfaceMetrics(ctx));
    case TLV.IPRouteRPLMetrics:
      return ok([rplMetrics(ctx)]);
    case TLV.WPANStatus:
      return ok([wpanStatus(ctx)]);
    case TLV.CGMSStatus:
      return ok([tlv(TLV.CGMSStatus, ctx.cgmsStatus())]);
    case TLV.CGMSNotification: {
      const n = ctx.ram.notification;
      return ok([tlv(TLV.CGMSNotification, n.code === 3 ? { code: n.code, tlvs: n.tlvs } : { code: n.code })]);
    }
    case TLV.CGMSStats:
      return ok([tlv(TLV.CGMSStats, cgmsStatsFields(ctx.stats))]);
    case TLV.RPLInstance:
      return ok([rplInstance(ctx)]);
    case TLV.GroupAssign:
    case TLV.GroupInfo:
      return ok(groupRows(ctx, id.type));
    case TLV.TransferRequest:
      return ok([]);
    case TLV.LoadRequest: {
      const p = ctx.ram.pendingLoad;
      return ok(p ? [tlv(TLV.LoadRequest, { fileHash: p.hash, loadTime: p.loadTime })] : []);
    }
    case TLV.FirmwareImageInfo:
      return ok(firmwareRows(ctx, index));
    case TLV.SignatureValidity: {
      const s = ctx.ram.signature;
      const f: Record<string, number> = {};
      if (s.notBefore !== undefined) f['notBefore'] = s.notBefore;
      if (s.notAfter !== undefined) f['notAfter'] = s.notAfter;
      return ok(Object.keys(f).length ? [tlv(TLV.SignatureValidity, f)] : []);
    }
    case TLV.Signature:
      return ok(ctx.ram.signature.signature ? [tlv(TLV.Signature, { value: ctx.ram.signature.signature })] : []);
    case TLV.SignatureSettings:
      return ok([tlv(TLV.SignatureSettings, ctx.ram.signatureSettings)]);
    default:
      return UNSUPPORTED;
  }
}

export function deviceId(ctx: AgentContext): TlvInput {
  return tlv(TLV.DeviceID, { type: 1, id: ctx.identity.eui64.toUpperCase() });
}

/** CurrentTime as the device reads its clock; undefined when the clock cannot be read. */
export function currentTime(ctx: AgentContext): TlvInput | undefined {
  try {
    return tlv(TLV.CurrentTime, { posix: ctx.nowSec() >>> 0 });
  } catch (e) {
    if (e instanceof ClockUnreadable) return undefined;
    throw e;
  }
}

export function sessionAndTime(ctx: AgentContext): TlvInput[] {
  const out: TlvInput[] = [];
  if (ctx.ram.sessionId) out.push(tlv(TLV.SessionID, { id: String.fromCharCode(...ctx.ram.sessionId) }));
  const t = currentTime(ctx);
  if (t) out.push(t);
  return out;
}

export function reportSubscribe(ctx: AgentContext): TlvInput {
  const r = ctx.ram.report;
  return tlv(TLV.ReportSubscribe, r.ids.length ? { interval: r.interval, tlvid: r.ids } : { interval: r.interval });
}

function hardwareDesc(ctx: AgentContext): TlvInput {
  const h = ctx.identity.hardware;
  const running = ctx.slots().find((s) => s.isRunning);
  return tlv(TLV.HardwareDesc, {
    entPhysicalIndex: 1,
    entPhysicalDescr: h.descr,
    entPhysicalClass: 9,
    entPhysicalName: 'lowpan',
    entPhysicalHardwareRev: h.hardwareRev,
    ...(running?.version !== undefined ? { entPhysicalFirmwareRev: running.version } : {}),
    entPhysicalSerialNum: ctx.identity.eui64.toUpperCase(),
    entPhysicalMfgName: h.mfgName,
    entPhysicalModelName: h.modelName,
    entPhysicalFunction: h.function,
  });
}

function interfaceDesc(ctx: AgentContext): TlvInput[] {
  return [
    tlv(TLV.InterfaceDesc, { ifIndex: 1, ifName: 'lo', ifDescr: 'Loopback', ifType: 24 }),
    tlv(TLV.InterfaceDesc, { ifIndex: 2, ifName: 'lowpan', ifDescr: 'Ieee154', ifType: 259, ifPhysAddress: ctx.eui }),
  ];
}

function ipAddresses(ctx: AgentContext): TlvInput[] {
  const row = (index: number, addr: string, ifIndex: number, origin: number, pfx: number) =>
    tlv(TLV.IPAddress, {
      ipAddressIndex: index,
      ipAddressAddrType: 2,
      ipAddressAddr: parseIpv6(addr),
      ipAddressIfIndex: ifIndex,
      ipAddressType: 1,
      ipAddressOrigin: origin,
      ipAddressStatus: 1,
      ipAddressPfxLen: pfx,
    });
  return [row(1, '::1', 1, 4, 128), row(2, ctx.linkLocal, 2, 5, 128), row(3, ctx.identity.address, 2, 4, 64)];
}

function ipRoute(ctx: AgentContext): TlvInput {
  return tlv(TLV.IPRoute, {
    inetCidrRouteIndex: 1,
    inetCidrRouteDestType: 2,
    inetCidrRouteDest: new Uint8Array(16),
    inetCidrRoutePfxLen: 0,
    inetCidrRouteNextHopType: 4,
    inetCidrRouteNextHop: parseIpv6(ctx.identity.parentLinkLocal),
    inetCidrRouteIfIndex: 2,
  });
}

function interfaceMetrics(ctx: AgentContext): TlvInput[] {
  const zero = { ifInOctets: 0, ifOutOctets: 0, ifInDiscards: 0, ifInErrors: 0, ifOutDiscards: 0, ifOutErrors: 0 };
  return [
    tlv(TLV.InterfaceMetrics, { ifIndex: 1, ifAdminStatus: 1, ifOperStatus: 1, ifLastChange: 0, ...zero }),
    tlv(TLV.InterfaceMetrics, {
      ifIndex: 2,
      ifAdminStatus: 1,
      ifOperStatus: 9,
      ifLastChange: 10,
      ...zero,
      ifInOctets: ctx.ram.octetsIn >>> 0,
      ifOutOctets: ctx.ram.octetsOut >>> 0,
      ifInDiscards: ctx.ram.discardsIn >>> 0,
    }),
  ];
}

function rplMetrics(ctx: AgentContext): TlvInput {
  return tlv(TLV.IPRouteRPLMetrics, {
    inetCidrRouteIndex: 1,
    instanceIndex: 1,
    rank: 256,
    hops: 1,
    pathEtx: 2,
    linkEtx: 2,
    rssiForward: -69,
    rssiReverse: -59,
    lqiForward: 60,
    lqiReverse: 8,
    dagSize: ctx.dagSize,
  });
}

function wpanStatus(ctx: AgentContext): TlvInput {
  const s = ctx.settings();
  return tlv(TLV.WPANStatus, {
    ifIndex: 2,
    ...(s.ssid !== undefined ? { SSID: s.ssid } : {}),
    ...(s.panId !== undefined ? { panid: s.panId } : {}),
    master: false,
    dot1xEnabled: false,
    securityLevel: 1,
    rank: 256,
    beaconValid: true,
    beaconVersion: 32695,
    beaconAge: 253,
    ...(s.txPower !== undefined ? { txPower: s.txPower } : {}),
    dagSize: ctx.dagSize,
    metric: 1,
    lastChanged: 10,
    lastChangedReason: 0,
    ...(s.demoMode === true ? { demoModeEnabled: true } : {}),
  });
}

function rplInstance(ctx: AgentContext): TlvInput {
  const dodag = parseIpv6(ctx.identity.address);
  dodag.fill(0, 8);
  return tlv(TLV.RPLInstance, { instanceIndex: 1, instanceId: 170, doDagId: dodag, doDagVersionNumber: 206, rank: 256, parentCount: 1, dagSize: ctx.dagSize });
}

function groupRows(ctx: AgentContext, type: number): TlvInput[] {
  const g = ctx.settings().groups ?? {};
  const rows: TlvInput[] = [];
  if (g.config) rows.push(tlv(type, { type: 1, id: g.config }));
  if (g.firmware) rows.push(tlv(type, { type: 2, id: g.firmware }));
  return rows;
}

export function firmwareRow(ctx: AgentContext, s: FirmwareSlot): TlvInput {
  const bitmap = ctx.firmware.bitmapFor(s);
  const pending = ctx.ram.pendingLoad;
  // The sample shows its current load time on the row of the slot it will load (g_curloadslot).
  const loadTime = pending && s.fileHash && pending.hash.every((b, i) => s.fileHash![i] === b) && !s.isRunning ? pending.loadTime : s.loadTime;
  return tlv(TLV.FirmwareImageInfo, {
    index: s.index,
    fileHash: s.fileHash ?? new Uint8Array(32),
    fileName: s.fileName ?? '',
    version: s.version ?? '',
    fileSize: s.fileSize ?? 0,
    ...(s.blockSize !== undefined ? { blockSize: s.blockSize } : {}),
    ...(bitmap ? { bitmap } : {}),
    ...(s.isDefault ? { isDefault: true } : {}),
    ...(s.isRunning ? { isRunning: true } : {}),
    ...(loadTime !== undefined ? { loadTime } : {}),
    hwInfo: { hwId: s.hwId ?? '', ...(s.vendorHwId !== undefined ? { vendorHwId: s.vendorHwId } : {}) },
  });
}

/** All slots, or slot `index` (1-based) only: 75 is the one TLV whose path index the agent honours. */
function firmwareRows(ctx: AgentContext, index: number): TlvInput[] {
  const slots = ctx.slots();
  const chosen = index > 0 ? slots.filter((s) => s.index === index) : slots;
  return chosen.map((s) => firmwareRow(ctx, s));
}

function vendorTlvs(ctx: AgentContext, id: TlvId): TlvInput[] {
  if (!id.vendor || id.vendor.pen !== CISCO_PEN) return [];
  return [...ctx.ram.vendor.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([subType, value]) => ({
      type: TLV.Vendor,
      vendor: { pen: CISCO_PEN, vendorType: AGENT_VENDOR_TYPE },
      value: encodeValue(TLV.Vendor, { subType, value }),
    }));
}

/** The five 32-byte sub-type values of the reference sample (01…01 to 05…05). */
export function defaultVendorValues(): Map<number, Uint8Array> {
  const m = new Map<number, Uint8Array>();
  for (let i = 1; i <= 5; i++) m.set(i, new Uint8Array(32).fill(i));
  return m;
}

export { latin1 };
