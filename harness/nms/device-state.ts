/**
 * What the NMS knows of each device of the rig, and its state as FND would show it:
 * unheard -> registering (POST /r) -> up (first report after the 2.03) -> down (reports stop)
 * -> up (a report) ; a new POST /r from any state -> registering. csmp-protocol.md 6.1 and the
 * draft's device lifecycle (draft notes 5). "unheard" is the "unknown": pre-provisioned,
 * never heard from.
 *
 * Down: after `missedIntervalsForDown` report intervals without a report (the draft's
 * "mark-down-threshold", value unspecified there). Timers run on the injected clock.
 */
import { canonicalIpv6 } from '../../drivers/ip/address.js';
import { EventEmitter } from 'node:events';
import type { DecodedTlv } from '../csmp/value.js';
import type { Clock } from '../../core/clock.js';
import { EventTimeoutError, type NmsEvents } from './events.js';

export type DeviceStateName = 'unheard' | 'registering' | 'up' | 'down';

export type ReportIntervalSource = 'registration' | 'device' | 'nms-setting';

export interface StateTransition {
  from: DeviceStateName;
  to: DeviceStateName;
  /** Clock time in ms since the epoch. */
  at: number;
  reason: string;
}

/** The rig's view of one device, as far as the NMS needs it. */
export interface KnownDevice {
  name: string;
  /** 16 hex digits; compared case-insensitively. */
  eui64: string;
  address: string;
  port: number;
  /** Name of the link that reaches the device; optional when the NMS has one link. */
  link?: string;
  expected?: {
    firmwareVersion?: string;
    hwId?: string;
    /** Group ids; the rig file allows digits as text. */
    firmwareGroup?: number | string;
    configGroup?: number | string;
  };
}

/** TLV rows the NMS learnt about a device, and where: its registration's /r or a GET it answered (clock ms). */
export interface LearntTlvs {
  tlvs: DecodedTlv[];
  source: 'registration' | 'GET';
  at: number;
}

export interface DeviceRecord {
  readonly device: KnownDevice;
  /** Upper-case EUI-64, FND's EID. */
  readonly eid: string;
  state: DeviceStateName;
  /** When the current state began (clock ms). */
  since: number;
  readonly transitions: StateTransition[];
  sessionId?: string;
  /** The report interval Down detection runs on; where it came from is reportIntervalSource. */
  reportIntervalS?: number;
  /**
   * 'registration': the ReportSubscribe of our own 2.03; 'device': read back from the device
   * (GET TLV 13) after it was heard without a registration we answered; 'nms-setting': the
   * interval this NMS would subscribe, taken until the device's own is known.
   */
  reportIntervalSource?: ReportIntervalSource;
  lastHeardAt?: number;
  /** Address and port the device last sent from, and the local address it arrived at. */
  lastSource?: { address: string; port: number; localAddress: string };
  lastRegistrationAt?: number;
  registrationCount: number;
  /** TLVs of the last POST /r. */
  lastRegistration?: DecodedTlv[];
  lastReportAt?: number;
  /** Last report or answered probe: what Down counts missed intervals from. */
  lastAliveAt?: number;
  reportCount: number;
  /**
   * The last 64 periodic reports, oldest first: when they arrived (clock ms) and the device's own
   * CurrentTime in them (posix s) — report-interval conformance judges the device's spacing.
   */
  reportTimes: { at: number; deviceS?: number }[];
  /** GroupInfo (58) rows as last learnt (learnt-tlvs.ts). */
  groupInfo?: LearntTlvs;
  /** FirmwareImageInfo (75) rows as last learnt. */
  firmwareInfo?: LearntTlvs;
  /** TLVs of the last periodic report. */
  lastReport?: DecodedTlv[];
  /** Device CurrentTime.posix minus NMS time (s), from the last /r or report that carried one. */
  clockOffsetS?: number;
  /** Codes of CGMSNotifications received, oldest first (kept to the last 50). */
  notifications: { at: number; code: number; tlvs: number[] }[];
  /** True from a CGMSNotification code 2 after a signed 2.03 until the next registration success. */
  registrationSignatureRejected: boolean;
}

export interface DeviceStatesOptions {
  /** Reports missed before a device is marked down. Default 3. */
  missedIntervalsForDown?: number;
  /**
   * The interval the NMS role would subscribe a device to: what Down detection assumes for a
   * device heard before any registration we answered (a rack left powered between runs) until
   * the device's own ReportSubscribe is read.
   */
  subscribedIntervalS?: (rec: DeviceRecord) => number | undefined;
}

const MAX_NOTIFICATIONS = 50;
const MAX_REPORT_TIMES = 64;

/**
 * Emits 'transition' (DeviceRecord, StateTransition), 'interval' (DeviceRecord) when a device's own
 * report interval is read, and 'report' (DeviceRecord) for each periodic report.
 */
export class DeviceStates extends EventEmitter {
  private readonly byEid = new Map<string, DeviceRecord>();
  private readonly byName = new Map<string, DeviceRecord>();
  private readonly byAddr = new Map<string, DeviceRecord>();
  /** SessionID -> record, kept by setSession: reports carry only a SessionID, and a scan of every record per report is quadratic in a fleet. */
  private readonly bySessionId = new Map<string, DeviceRecord>();
  private readonly downTimers = new Map<DeviceRecord, unknown>();
  readonly missedIntervalsForDown: number;
  private readonly subscribedIntervalS: (rec: DeviceRecord) => number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly events: NmsEvents,
    opts: DeviceStatesOptions = {},
  ) {
    super();
    // Each device's running step may wait on a transition, all devices in parallel: a rig of more
    // than ten devices is no leak, and Node's warning at eleven 'transition' listeners says one is.
    this.setMaxListeners(0);
    this.missedIntervalsForDown = opts.missedIntervalsForDown ?? 3;
    this.subscribedIntervalS = opts.subscribedIntervalS ?? (() => undefined);
    if (!(this.missedIntervalsForDown >= 1)) throw new RangeError('missedIntervalsForDown must be at least 1');
  }

  add(device: KnownDevice): DeviceRecord {
    const eid = device.eui64.toUpperCase();
    if (this.byEid.has(eid)) throw new RangeError(`device ${device.name}: EUI-64 ${eid} listed twice`);
    const rec: DeviceRecord = {
      device,
      eid,
      state: 'unheard',
      since: this.clock.now(),
      transitions: [],
      registrationCount: 0,
      reportCount: 0,
      reportTimes: [],
      notifications: [],
      registrationSignatureRejected: false,
    };
    this.byEid.set(eid, rec);
    this.byName.set(device.name, rec);
    // Datagrams carry canonical addresses; a rig may spell one with zeros or capitals.
    this.byAddr.set(canonicalIpv6(device.address), rec);
    return rec;
  }

  /** By rig name or EUI-64 (any case). */
  get(nameOrEid: string): DeviceRecord | undefined {
    return this.byName.get(nameOrEid) ?? this.byEid.get(nameOrEid.toUpperCase());
  }

  /** Like get, but throws RangeError naming the device. */
  require(nameOrEid: string): DeviceRecord {
    const rec = this.get(nameOrEid);
    if (!rec) throw new RangeError(`unknown device ${JSON.stringify(nameOrEid)}`);
    return rec;
  }

  byAddress(address: string): DeviceRecord | undefined {
    return this.byAddr.get(address) ?? this.byAddr.get(canonicalIpv6(address));
  }

  bySession(sessionId: string): DeviceRecord | undefined {
    const rec = this.bySessionId.get(sessionId);
    if (rec !== undefined && rec.sessionId === sessionId) return rec;
    // A SessionID written to a record directly (not through setSession) is not indexed.
    for (const r of this.byEid.values()) if (r.sessionId === sessionId) return r;
    return undefined;
  }

  /** The SessionID the NMS gave the device in its 2.03. */
  setSession(rec: DeviceRecord, sessionId: string): void {
    if (rec.sessionId !== undefined && this.bySessionId.get(rec.sessionId) === rec) this.bySessionId.delete(rec.sessionId);
    rec.sessionId = sessionId;
    if (!this.bySessionId.has(sessionId)) this.bySessionId.set(sessionId, rec);
  }

  all(): DeviceRecord[] {
    return [...this.byEid.values()];
  }

  /** A POST /r was answered 2.03 with this report interval. */
  registering(rec: DeviceRecord, reportIntervalS: number): void {
    const now = this.clock.now();
    rec.lastRegistrationAt = now;
    rec.registrationCount++;
    rec.reportIntervalS = reportIntervalS;
    rec.reportIntervalSource = 'registration';
    this.cancelDown(rec);
    this.transition(rec, 'registering', 'registration request (POST /r) answered 2.03');
  }

  /** A periodic report arrived. */
  reportReceived(rec: DeviceRecord, deviceS?: number): void {
    rec.lastReportAt = this.clock.now();
    rec.reportCount++;
    rec.reportTimes.push(deviceS === undefined ? { at: rec.lastReportAt } : { at: rec.lastReportAt, deviceS });
    if (rec.reportTimes.length > MAX_REPORT_TIMES) rec.reportTimes.shift();
    const was = rec.state;
    if (was === 'registering') {
      rec.registrationSignatureRejected = false;
      this.transition(rec, 'up', 'first report after registration');
      this.events.record({
        name: 'registrationSuccess',
        message: `Mesh device ${rec.eid} registered: first report received after the registration response.`,
        device: rec.device.name,
        eid: rec.eid,
      });
    } else if (was === 'down' || was === 'unheard') {
      // A device heard reporting before any registration we answered is a normal start: the
      // rack stayed powered and the device is registered to an earlier run's NMS.
      this.transition(rec, 'up', was === 'down' ? 'report received while down' : 'report received from a device registered before this NMS started');
    }
    this.assumeInterval(rec);
    if (was !== 'up') this.recordUp(rec, was);
    rec.lastAliveAt = rec.lastReportAt;
    this.armDown(rec);
    this.emit('report', rec);
  }

  /**
   * The device answered a request of ours: it is alive now, without waiting a report interval
   * (the as-found start's probe). Down detection runs from here as from a report.
   */
  answered(rec: DeviceRecord, what: string): void {
    const was = rec.state;
    if (was === 'registering') return;
    rec.lastHeardAt = this.clock.now();
    if (was !== 'up') this.transition(rec, 'up', `answered ${what}`);
    this.assumeInterval(rec);
    if (was !== 'up') this.recordUp(rec, was);
    rec.lastAliveAt = rec.lastHeardAt;
    this.armDown(rec);
  }

  /**
   * The device's own report interval, read from it (GET TLV 13): replaces an assumed one and
   * moves the pending Down to three of its intervals after it was last heard alive.
   */
  learnedInterval(rec: DeviceRecord, intervalS: number): void {
    if (!(Number.isInteger(intervalS) && intervalS > 0)) return;
    if (rec.reportIntervalSource === 'registration') return;
    rec.reportIntervalS = intervalS;
    rec.reportIntervalSource = 'device';
    if (rec.state === 'up') this.armDown(rec);
    this.emit('interval', rec);
  }

  private assumeInterval(rec: DeviceRecord): void {
    if (rec.reportIntervalS) return;
    const s = this.subscribedIntervalS(rec);
    if (!s) return;
    rec.reportIntervalS = s;
    rec.reportIntervalSource = 'nms-setting';
  }

  private recordUp(rec: DeviceRecord, was: DeviceStateName): void {
    this.events.record({
      name: 'up',
      message: `Mesh device ${rec.eid} is up.`,
      device: rec.device.name,
      eid: rec.eid,
      details: { previousState: was },
    });
  }

  noteNotification(rec: DeviceRecord, code: number, tlvs: number[]): void {
    rec.notifications.push({ at: this.clock.now(), code, tlvs });
    if (rec.notifications.length > MAX_NOTIFICATIONS) rec.notifications.shift();
  }

  /**
   * Resolves when the device is in `state` (at once if it already is); rejects with
   * EventTimeoutError after timeoutMs of clock time.
   */
  waitForState(nameOrEid: string, state: DeviceStateName, timeoutMs: number): Promise<DeviceRecord> {
    const rec = this.require(nameOrEid);
    if (rec.state === state) return Promise.resolve(rec);
    return new Promise((resolve, reject) => {
      const onTransition = (r: DeviceRecord, t: StateTransition): void => {
        if (r !== rec || t.to !== state) return;
        this.clock.clearTimeout(timer);
        this.off('transition', onTransition);
        resolve(rec);
      };
      const timer = this.clock.setTimeout(() => {
        this.off('transition', onTransition);
        reject(new EventTimeoutError(`state ${state} for ${rec.device.name} (still ${rec.state})`, timeoutMs));
      }, timeoutMs);
      this.on('transition', onTransition);
    });
  }

  /** Cancels every timer; records stay readable. */
  stop(): void {
    for (const h of this.downTimers.values()) this.clock.clearTimeout(h);
    this.downTimers.clear();
  }

  private armDown(rec: DeviceRecord): void {
    this.cancelDown(rec);
    const intervalS = rec.reportIntervalS;
    if (!intervalS) return;
    const from = rec.lastAliveAt ?? this.clock.now();
    const ms = Math.max(0, from + intervalS * 1000 * this.missedIntervalsForDown - this.clock.now());
    this.downTimers.set(
      rec,
      this.clock.setTimeout(() => {
        this.downTimers.delete(rec);
        if (rec.state !== 'up') return;
        this.transition(rec, 'down', `${this.missedIntervalsForDown} report intervals of ${intervalS} s without a report`);
        this.events.record({
          name: 'down',
          message: `Mesh device ${rec.eid} is down: no report for ${this.missedIntervalsForDown} intervals of ${intervalS} s.`,
          device: rec.device.name,
          eid: rec.eid,
          details: { lastReportAt: rec.lastReportAt, reportIntervalS: intervalS, reportIntervalSource: rec.reportIntervalSource },
        });
      }, ms),
    );
  }

  private cancelDown(rec: DeviceRecord): void {
    const h = this.downTimers.get(rec);
    if (h !== undefined) {
      this.clock.clearTimeout(h);
      this.downTimers.delete(rec);
    }
  }

  /** Same-state "transitions" (a repeated /r while registering) are not recorded. */
  private transition(rec: DeviceRecord, to: DeviceStateName, reason: string): void {
    if (rec.state === to) return;
    const t: StateTransition = { from: rec.state, to, at: this.clock.now(), reason };
    rec.state = to;
    rec.since = t.at;
    rec.transitions.push(t);
    this.emit('transition', rec, t);
  }
}
