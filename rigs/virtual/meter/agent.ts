/**
 * The CSMP agent of one virtual meter: a state machine driven by datagrams in (`receive`),
 * datagrams out (`send`), and trickle timers on the board's device clock. It behaves like
 * Cisco's reference agent (csmp-agent-lib) wherever csmp-protocol.md describes that agent:
 *
 * - registration (6.1): CON POST /r on the trickle timer (6.2) with TKL 0 and one Message ID
 *   counter for everything it originates; no retransmission; any TKL-0 datagram on its client
 *   socket is "the response" (3.4); non-2.xx → regFails or nmsErrors + re-registration, and a
 *   CGMSNotification code 1; a 2.xx is signature-checked (7.5) and applied TLV by TLV;
 * - reports (6.4): NON POST /c {SessionID, CurrentTime, subscribed TLVs} on a trickle timer
 *   with both bounds equal to the interval; interval 0 means no reports (the reference agent's
 *   SIGFPE there is the fault model 'crash-on-report-interval-0');
 * - its server on /c (3.2-3.6): GET with path, index and q= lists, POST with the check order
 *   signature → GroupMatch → missing signature → handlers, and NON requests answered
 *   asynchronously or by CGMSNotification at the configured NMS address.
 * Where our meters model the troubleshooting note's meters instead, it says so: they serve
 * CGMSStatus (43), and a healthy meter does not apply TLVs placed after a verified Signature.
 */
import { EventEmitter } from 'node:events';
import type { Datagram } from '../../../drivers/link/types.js';
import { encodedTlvSize, encodeTlvs, type TlvInput } from '../../../harness/csmp/tlv.js';
import { decodeValue, encodeValue } from '../../../harness/csmp/value.js';
import { TLV } from '../../../harness/csmp/tlv-ids.js';
import { buildAck, buildPost, CON, Code, NON, parseRequest, parseResponse, text, type AgentRequest } from './agent-coap.js';
import { findTlv, walkTlvs, type AgentTl } from './agent-tlv.js';
import type { AgentContext, AgentRam, GetResult, HandlerError } from './context.js';
import { AgentCrash, ClockUnreadable, type DeviceTime } from './device-time.js';
import { FaultSet } from './faults.js';
import { bootLoader } from './boot-loader.js';
import { FirmwareManager } from './firmware.js';
import { GlibcRandom, trickleSeed } from './glibc-random.js';
import { canonicalIpv6, eui64Bytes, isMulticast, linkLocalFromEui64, parseIpv6 } from './ipv6-address.js';
import { OsalTimers } from './osal-timers.js';
import type { FirmwareSlot, MeterIdentity, MeterPlatform, MeterSettings } from './platform.js';
import { checkSignature, type SignatureCheck, type SignaturePolicy } from './signature-check.js';
import { newStats, type AgentStats } from './stats.js';
import { agentTlvId, knowsTlv, postTlv } from './tlv-post.js';
import { defaultVendorValues, deviceId, getTlv, sessionAndTime } from './tlv-get.js';

export type AgentState = 'off' | 'registering' | 'registered' | 'crashed';

/** CGMSStatus.lastRegReason (doc 5.2). */
export const RegReason = {
  coldStart: 1,
  administrative: 2,
  ipChanged: 3,
  nmsChanged: 4,
  nmsRedirect: 5,
  nmsError: 6,
  certificateChanged: 7,
  outageRecovery: 8,
} as const;

/** CGMSNotification codes (doc 6.3). */
const NOTIFY_PROCESSED = 0;
const NOTIFY_COAP_ERROR = 1;
const NOTIFY_SIGNATURE_ERROR = 2;
const NOTIFY_PROCESSING_ERROR = 3;

const EXEMPT = new Set<number>([TLV.DescriptionRequest, TLV.ImageBlock]); // doc 7.4
const CLIENT_BUFFER = 1048; // cgmsagent g_outbuf
const SERVER_BUFFER = 1024; // csmpserver OUTBUF_MAX
const MAX_QUERY_IDS = 20;
const MAX_NOTIFY_TLVS = 20;
/** The ignores-report-interval model's own spacing of reports (device s). */
const OWN_REPORT_INTERVAL_S = 12;
const DEFAULT_ASYNC_SEC = 20;
const REBOOT_BOUND_SEC = 5;
/** not-before-leeway's skew allowance: beyond the 10 minutes the security suite probes with, within what a lab clock drifts. */
const NOT_BEFORE_LEEWAY_S = 15 * 60;
/** Bytes of IPv6 + UDP header per datagram, for the interface octet counters. */
const HEADERS = 48;
/** IPv6 minimum MTU: the reboot-on-oversized-datagram model's receive buffer holds no more. */
const RECEIVE_BUFFER = 1280;
/** Registration TLVs in the order of csmp_register.pcap frame 1, with HEAD's GroupInfo and a non-zero ReportSubscribe where HEAD puts them. */
const REGISTRATION_ORDER = [
  TLV.DeviceID,
  TLV.CurrentTime,
  TLV.HardwareDesc,
  TLV.InterfaceDesc,
  TLV.IPAddress,
  TLV.IPRoute,
  TLV.InterfaceMetrics,
  TLV.IPRouteRPLMetrics,
  TLV.WPANStatus,
  TLV.GroupInfo,
  TLV.ReportSubscribe,
  TLV.RPLInstance,
  TLV.FirmwareImageInfo,
];

/**
 * RAM a board kept powered between runs still holds (rigs/virtual/state): how `boot` resumes
 * registered, and what `snapshot` reads back.
 */
export interface ResumeRegistered {
  /** SessionID as bytes in a latin1 string (a rig file gives text). */
  sessionId: string;
  reportIntervalS: number;
  /** Subscribed TLV ids (ReportSubscribe), none by default. */
  reportIds?: string[];
  /** Device seconds from the start until the first report; default the timer's own draw. */
  nextReportInS?: number;
  /** SignatureSettings (TLV 79) as last POSTed; default all off. */
  signatureSettings?: Record<string, boolean | Uint8Array>;
}

export interface AgentSnapshot {
  state: AgentState;
  crash?: AgentCrash;
  sessionId?: Uint8Array;
  report: { interval: number; ids: string[] };
  /** Device seconds until the report timer fires, when it runs. */
  nextReportInS?: number;
  signatureSettings: Record<string, boolean | Uint8Array>;
}

export interface MeterAgentOptions {
  identity: MeterIdentity;
  platform: MeterPlatform;
  time: DeviceTime;
  send: (d: Datagram) => void;
  faults?: FaultSet;
  /** Nodes in the mesh (RPL dagSize); default 1. */
  dagSize?: number;
  /** Seeds the choice of ephemeral client ports (per boot); default from the EUI-64. */
  portSeed?: number;
}

export interface MeterAgentEvents {
  state: [{ from: AgentState; to: AgentState }];
  registered: [];
  crash: [AgentCrash];
  /** A datagram was dropped: its reason. */
  drop: [{ reason: string }];
  /** The whole board stopped (hang-on-slip-garbage): the console must go dead with the agent. */
  hang: [];
}

export class MeterAgent extends EventEmitter<MeterAgentEvents> {
  readonly identity: MeterIdentity;
  readonly faults: FaultSet;
  readonly eui: Uint8Array;
  readonly linkLocal: string;
  private readonly platform: MeterPlatform;
  private readonly time: DeviceTime;
  private readonly sendOut: (d: Datagram) => void;
  private readonly rng = new GlibcRandom();
  private readonly timers: OsalTimers;
  private readonly portRng: GlibcRandom;
  private readonly dagSize: number;

  private current: AgentState = 'off';
  private counters: AgentStats = newStats();
  private ram: AgentRam = freshRam();
  private firmware: FirmwareManager;
  private messageId = 0;
  private ephemeralPort = 0;
  private bootAt = 0;
  private lastRegAt: number | undefined;
  private regReason: number = RegReason.coldStart;
  private received = 0;
  /** 4.xx answers to registrations since it started registering (retries-once-after-4xx). */
  private rejections = 0;
  /** Registrations sent since the last reply of any kind (give-up-registration). */
  private unanswered = 0;
  private pendingAsync: Uint8Array | undefined;
  private crashReason: AgentCrash | undefined;
  /** sticky-group-match: group types that matched once and are no longer compared. */
  private readonly stickyMatches = new Set<number>();

  constructor(opts: MeterAgentOptions) {
    super();
    this.identity = opts.identity;
    this.platform = opts.platform;
    this.time = opts.time;
    this.sendOut = opts.send;
    this.faults = opts.faults ?? new FaultSet();
    this.eui = eui64Bytes(opts.identity.eui64);
    this.linkLocal = linkLocalFromEui64(this.eui);
    this.dagSize = opts.dagSize ?? 1;
    this.portRng = new GlibcRandom(opts.portSeed ?? (trickleSeed(this.eui) ^ 0x5a5a) + 1);
    this.firmware = this.newFirmware();
    this.timers = new OsalTimers(this.time, this.rng, trickleSeed(this.eui), (e) => this.fault(e));
  }

  // ---- lifecycle ----

  get state(): AgentState {
    return this.current;
  }

  get stats(): Readonly<AgentStats> {
    return this.counters;
  }

  /** The crash that stopped the agent, while it is 'crashed'. */
  get crash(): AgentCrash | undefined {
    return this.crashReason;
  }

  /** The port its own requests leave from in this boot. */
  get clientPort(): number {
    return this.identity.clientPort === 'server' ? this.identity.serverPort : this.ephemeralPort;
  }

  /**
   * Power on (or agent start): RAM state is new, the boot loader checks the running image (and
   * falls back when it does not start), flash is read, registration starts.
   */
  boot(reason: number = RegReason.coldStart, resume?: ResumeRegistered): void {
    if (this.current !== 'off' && this.current !== 'crashed') this.shutdown();
    this.counters = newStats();
    this.ram = freshRam();
    this.firmware = this.newFirmware();
    if (reason === RegReason.coldStart && this.faults.has('loses-upload-slot-on-power-loss')) this.firmware.loseUploadInProgress();
    if (this.faults.has('cancelled-load-runs-at-next-boot')) this.firmware.startRecordedLoad();
    this.messageId = 0;
    this.received = 0;
    this.pendingAsync = undefined;
    this.crashReason = undefined;
    this.lastRegAt = undefined;
    this.regReason = reason;
    // A new process gets a new ephemeral client port from the OS.
    this.ephemeralPort = 32768 + (this.portRng.random() % (60999 - 32768 + 1));
    this.bootAt = this.time.monotonic();
    const slots = this.safeSettings().firmware ?? [];
    const boot = bootLoader(slots, this.platform.images, !this.faults.has('no-fallback-when-image-fails'));
    if (!boot.boots) {
      this.fault(new AgentCrash('no-bootable-image', boot.reason));
      return;
    }
    if (boot.fellBack) this.platform.saveFirmware(boot.slots);
    if (this.faults.has('reboot-loop')) {
      // A one-second tick: a trickle timer of the full period would fire anywhere in [N/2, 2N).
      const every = this.faults.rebootEvery;
      this.timers.start('watchdog', 1, 1, () => {
        if (this.time.monotonic() - this.bootAt >= every * 1000) this.reboot(RegReason.coldStart);
      });
    }
    if (resume) return this.resumeRegistered(resume);
    this.setState('registering');
    this.guard(() => this.startRegistration());
  }

  /**
   * As a board left powered since an earlier run: registered to an NMS that is gone, with its
   * SessionID and report timer running; the first report falls one interval after the start.
   */
  private resumeRegistered(r: ResumeRegistered): void {
    this.ram.sessionId = Uint8Array.from(r.sessionId, (c) => c.charCodeAt(0) & 0xff);
    this.ram.report = { interval: r.reportIntervalS, ids: [...(r.reportIds ?? [])] };
    if (r.signatureSettings) Object.assign(this.ram.signatureSettings, r.signatureSettings);
    this.lastRegAt = this.safeNowSec();
    this.setState('registered');
    const now = this.safeNowSec();
    this.guard(() => this.startReports(r.nextReportInS !== undefined && now !== undefined ? now + Math.max(1, r.nextReportInS) : undefined));
  }

  /** A board saved with its agent crashed: it stays so until a power cycle (a crash does not heal between runs). */
  resumeCrashed(crash: AgentCrash): void {
    this.fault(crash);
    // A board that hung stays hung, console and all, until its power is cycled.
    if (crash.signal === 'hang') this.emit('hang');
  }

  /** What a powered board holds in RAM now (rigs/virtual/state saves it when the rig stops). */
  snapshot(): AgentSnapshot {
    const now = this.safeNowSec();
    const next = this.timers.nextFire('rpt');
    return {
      state: this.current,
      ...(this.crashReason ? { crash: this.crashReason } : {}),
      ...(this.ram.sessionId ? { sessionId: this.ram.sessionId.slice() } : {}),
      report: { interval: this.ram.report.interval, ids: [...this.ram.report.ids] },
      ...(next !== undefined && now !== undefined ? { nextReportInS: Math.max(0, next - now) } : {}),
      signatureSettings: { ...this.ram.signatureSettings },
    };
  }

  /** Power off: silent, timers stopped, RAM lost at the next boot. */
  shutdown(): void {
    this.timers.stopAll();
    this.pendingAsync = undefined;
    this.setState('off');
  }

  reboot(reason: number = RegReason.administrative): void {
    this.shutdown();
    this.boot(reason);
  }

  /** Releases timers for good (rig stop). */
  close(): void {
    this.timers.close();
    this.current = 'off';
  }

  /**
   * Bytes on the serial line that are no SLIP-framed IPv6 packet (the dongle heard them). A healthy
   * board never sees them: its radio's SLIP receiver drops them.
   */
  lineGarbage(): void {
    if (!this.faults.has('hang-on-slip-garbage') || this.current === 'off' || this.current === 'crashed') return;
    this.fault(new AgentCrash('hang', 'garbage between SLIP frames: the SLIP receiver spins with interrupts off'));
    this.emit('hang');
  }

  // ---- what the console and tests read ----

  cgmsStatus(): Record<string, unknown> {
    const s = this.safeSettings();
    const out: Record<string, unknown> = {
      registered: this.current === 'registered',
      NMSAddr: parseIpv6(this.nms().address),
      NMSAddrOrigin: 1,
    };
    const now = this.safeNowSec();
    if (this.lastRegAt !== undefined && now !== undefined) out['lastReg'] = Math.max(0, now - this.lastRegAt) >>> 0;
    out['lastRegReason'] = this.regReason;
    const next = this.timers.nextFire('reg');
    if (next !== undefined && now !== undefined) out['nextReg'] = Math.max(0, next - now) >>> 0;
    if (this.faults.has('report-cert-valid')) out['NMSCertValid'] = true;
    else if (s.nms !== undefined) out['NMSCertValid'] = s.nms.valid;
    return out;
  }

  /** Encoded value of any TLV the meter serves, as a GET would read it (for the console). */
  read(type: number): TlvInput[] | undefined {
    const got = getTlv(this.context(), { type }, -1);
    return got.ok ? got.tlvs : undefined;
  }

  // ---- datagrams in ----

  receive(d: Datagram): void {
    if (this.current === 'off' || this.current === 'crashed') return this.dropped(`agent ${this.current}`);
    const toMe = d.dst === this.identity.address || d.dst === this.linkLocal || isMulticast(d.dst);
    if (!toMe) return this.dropped('not my address');
    if (this.faults.has('reboot-on-oversized-datagram') && d.payload.length + HEADERS > RECEIVE_BUFFER) {
      // The overrun tramples the stack; the watchdog, not the agent, notices: a cold start.
      this.dropped('oversized datagram: watchdog reset');
      return this.reboot(RegReason.coldStart);
    }
    // Requests only: a reply the meter no longer waits for (a second 2.03 to an /r that raced the
    // first) must not take the drop a request would have had, or a test catches it by luck.
    const shared = this.clientPort === this.identity.serverPort;
    const request = d.dstPort === this.identity.serverPort && (!shared || isRequestCode(d.payload));
    if (request) this.received++;
    if (request && this.faults.has('drop-every-nth') && this.received % this.faults.dropEvery === 0) {
      this.ram.discardsIn++;
      return this.dropped('drop-every-nth');
    }
    this.ram.octetsIn += d.payload.length + HEADERS;
    if (request) {
      this.guard(() => this.serve(d));
    } else if (d.dstPort === this.clientPort) {
      this.guard(() => this.onReply(d.payload));
    } else {
      this.dropped(`no socket on port ${d.dstPort}`);
    }
  }

  // ---- registration ----

  private startRegistration(): void {
    this.unanswered = 0;
    this.rejections = 0;
    const { min, max } = this.faults.has('registration-storm') ? { min: 1, max: 1 } : this.identity.regInterval;
    this.timers.start('reg', min, max, () => this.sendRegistration());
  }

  private sendRegistration(): void {
    if (this.faults.has('give-up-registration') && this.unanswered >= this.faults.regAttempts) {
      this.timers.stop('reg');
      return;
    }
    this.unanswered++;
    this.counters.regAttempts++;
    const tlvs: TlvInput[] = [];
    const ctx = this.context();
    for (const type of REGISTRATION_ORDER) {
      if (type === TLV.ReportSubscribe && this.ram.report.interval === 0) continue;
      const got = getTlv(ctx, { type }, -1);
      if (got.ok) tlvs.push(...got.tlvs);
    }
    this.sendRequest(CON, 'r', this.fitting(tlvs, CLIENT_BUFFER), EMPTY);
  }

  private onReply(datagram: Uint8Array): void {
    const reply = parseResponse(datagram);
    if (!reply) return this.dropped('reply not readable by the agent');
    this.unanswered = 0;
    const klass = Math.floor(reply.status / 100);
    if (klass !== 2) {
      const giveUp = klass === 4 && (this.faults.has('no-reregister-after-4xx') || (this.faults.has('retries-once-after-4xx') && this.rejections++ >= 1));
      if (this.current === 'registered') {
        this.counters.nmsErrors++;
        if (!giveUp) {
          this.regReason = RegReason.nmsError;
          this.setState('registering');
          this.startRegistration();
        }
      } else {
        this.counters.regFails++;
        if (giveUp) this.timers.stop('reg');
      }
      this.notify(NOTIFY_COAP_ERROR, [], EMPTY);
      return;
    }
    const payload = reply.payload;
    let check: SignatureCheck = { outcome: 'unchecked' };
    if (payload.length > 0) {
      check = this.checkSignature(payload, this.policy('response'));
      if (check.outcome === 'missing' || check.outcome === 'error') {
        if (check.outcome === 'missing') this.counters.sigNoSignature++;
        this.counters.regFails++;
        if (this.faults.has('stop-registering-on-bad-signature')) this.timers.stop('reg');
        this.notify(NOTIFY_SIGNATURE_ERROR, [], EMPTY);
        return;
      }
    }
    if (this.current !== 'registering') return;
    if (this.applyRegistration(payload, check)) {
      if (!this.faults.has('registration-storm') && !this.faults.has('keeps-registering-when-registered')) this.timers.stop('reg');
      this.lastRegAt = this.safeNowSec();
      this.setState('registered');
      this.counters.regSucceed++;
      this.emit('registered');
      if (this.ram.report.interval !== 0) this.sendReport();
      this.startReports();
    } else {
      this.counters.regFails++;
      this.notify(NOTIFY_SIGNATURE_ERROR, [], EMPTY);
    }
  }

  /**
   * process_reg: every TLV but 76/77 through the POST handlers, the first failure aborts; a
   * payload the walk consumes nothing of (empty) fails too. TLVs applied before a failure stay.
   */
  private applyRegistration(payload: Uint8Array, check: SignatureCheck): boolean {
    const ctx = this.context();
    let used = 0;
    for (const tl of walkOrStop(payload)) {
      if (tl === undefined) return false;
      used = tl.end;
      if (tl.type === TLV.Signature || tl.type === TLV.SignatureValidity) continue;
      if (this.afterSignature(tl, check)) continue;
      if (!postTlv(ctx, payload, tl, 'registration').ok) return false;
    }
    return used > 0;
  }

  // ---- reports ----

  private startReports(firstAt?: number): void {
    const i = this.ram.report.interval;
    // Interval 0 divides by zero in the reference agent (doc 6.4, its SIGFPE is the fault model);
    // the draft's "must" is a device that survives it: registered, reporting nothing.
    if (i === 0 && !this.faults.has('crash-on-report-interval-0')) return;
    const every = this.faults.has('ignores-report-interval') ? OWN_REPORT_INTERVAL_S : i;
    this.timers.start('rpt', every, every, () => this.sendReport(), firstAt);
  }

  private sendReport(): void {
    this.counters.metricsReports++;
    const ctx = this.context();
    const tlvs = sessionAndTime(ctx);
    for (const text of this.ram.report.ids) {
      const id = agentTlvId(text);
      if (!id) continue;
      const got = getTlv(ctx, id, -1);
      if (got.ok) tlvs.push(...got.tlvs);
    }
    this.sendRequest(NON, 'c', this.fitting(tlvs, CLIENT_BUFFER), EMPTY);
  }

  // ---- server ----

  private serve(d: Datagram): void {
    // The reference agent does not look at the version bits; RFC 7252 3 says a message of
    // another version MUST be silently ignored, and a healthy meter does.
    if (d.payload.length > 0 && d.payload[0]! >> 6 !== 1) return this.dropped('CoAP version is not 1');
    const parsed = parseRequest(d.payload);
    if (!parsed.ok) {
      if (parsed.type === CON) this.answer(d, buildAck(parsed.messageId, parsed.token, Code.BAD_REQUEST));
      else this.dropped(`malformed request: ${parsed.reason}`);
      return;
    }
    const req = parsed.request;
    const outcome = this.handle(req);
    if (req.type === CON) {
      this.answer(d, buildAck(req.messageId, req.token, outcome.code, outcome.body));
      return;
    }
    // Only CON is answered in kind; a POST of any other type gets a notification or, when it
    // produced output, an asynchronous answer; a NON GET gets its TLVs asynchronously.
    if (req.code === Code.POST) {
      if (outcome.errors.length > 0) this.notify(NOTIFY_PROCESSING_ERROR, outcome.errors, req.token);
      else if (outcome.code === Code.CREATED && outcome.body.length > 0) this.answerLater(req, outcome.body);
      else this.notify(NOTIFY_PROCESSED, [], req.token);
    } else if (req.type === NON && req.code === Code.GET && outcome.code === Code.CONTENT && outcome.body.length > 0) {
      this.answerLater(req, outcome.body);
    }
  }

  private handle(req: AgentRequest): { code: number; body: Uint8Array; errors: number[] } {
    const none = { body: EMPTY, errors: [] as number[] };
    const first = req.path[0];
    // strncmp(seg, "c", seg.len): "c" and an empty first segment both pass (doc 3.5: else 4.00).
    if (!first || !(first.length === 0 || (first.length === 1 && first[0] === 0x63))) return { code: Code.BAD_REQUEST, ...none };
    let id: { type: number; vendor?: { pen: number; vendorType: number } } = { type: TLV.TlvIndex };
    let index = -1;
    const seg = req.path[1];
    if (seg) {
      id = (seg.length < 127 && agentTlvId(text(seg))) || { type: 0 };
      const idx = req.path[2];
      if (idx && idx.length < 127) index = parseInt(text(idx), 10) || 0;
    }
    if (req.code === Code.GET) return { ...this.get(req, id, index), errors: [] };
    if (req.code === Code.POST) return this.post(req);
    return { code: Code.METHOD_NOT_ALLOWED, ...none };
  }

  private get(req: AgentRequest, pathId: { type: number }, pathIndex: number): { code: number; body: Uint8Array } {
    let ids: { type: number; vendor?: { pen: number; vendorType: number } }[] = [pathId];
    let index = pathIndex;
    const q = req.query.find((o) => o.length < 128 && o[0] === 0x71 && o[1] === 0x3d); // "q="
    if (q) {
      index = -1;
      ids = [];
      // Space-separated ids; the first that does not parse ends the list ("2+22" reads as 2).
      for (const part of text(q.subarray(2)).split(' ').filter((s) => s.length > 0)) {
        if (ids.length >= MAX_QUERY_IDS) break;
        const id = agentTlvId(part);
        if (!id) break;
        ids.push(id);
      }
    }
    const ctx = this.context();
    const tlvs: TlvInput[] = [];
    let size = 0;
    for (const id of ids) {
      const got: GetResult = getTlv(ctx, id, index);
      let bytes = got.ok ? encodeTlvs(got.tlvs, { lengthStyle: 'agent' }) : undefined;
      if (bytes && size + bytes.length > SERVER_BUFFER) bytes = undefined;
      if (!bytes) {
        if (ids.length > 1) continue;
        return { code: errorCode(got.ok ? 'write' : got.error), body: EMPTY };
      }
      if (got.ok) tlvs.push(...got.tlvs);
      size += bytes.length;
    }
    return { code: Code.CONTENT, body: this.encode(tlvs) };
  }

  private post(req: AgentRequest): { code: number; body: Uint8Array; errors: number[] } {
    const payload = req.payload;
    const errors: number[] = [];
    const fail = (code: number) => ({ code, body: EMPTY, errors });
    const check = this.checkSignature(payload, this.policy('post'));
    if (check.outcome === 'error') {
      if (this.faults.has('applies-post-without-validity') && findTlv(payload, TLV.SignatureValidity) === undefined) this.applyBeforeRefusing(payload);
      return fail(Code.UNAUTHORIZED);
    }
    if (!this.groupMatches(payload)) return fail(Code.BAD_REQUEST);
    const unsignedOk = this.faults.has('accept-unsigned-post');
    const ctx = this.context();
    const outputs: TlvInput[] = [];
    let outSize = 0;
    for (const tl of walkOrStop(payload)) {
      if (tl === undefined) return fail(Code.BAD_REQUEST);
      // The model's handler table ends at Vendor (127): a type past it indexes the counters behind it.
      if (this.faults.has('reset-stats-on-unknown-tlv') && tl.type > TLV.Vendor && !knowsTlv(ctx, tl.type)) Object.assign(this.counters, newStats());
      if (tl.type === TLV.Signature || tl.type === TLV.SignatureValidity || tl.type === TLV.GroupMatch) continue;
      if (this.afterSignature(tl, check)) continue;
      if (check.outcome === 'missing' && !EXEMPT.has(tl.type) && !unsignedOk) {
        this.counters.sigNoSignature++;
        return fail(Code.FORBIDDEN);
      }
      const r = postTlv(ctx, payload, tl, 'server');
      if (!r.ok) {
        if (req.type === NON) {
          errors.push(tl.type);
          if (errors.length === MAX_NOTIFY_TLVS) return fail(Code.NOT_FOUND);
          continue;
        }
        return fail(Code.NOT_FOUND);
      }
      outputs.push(...r.outputs);
      outSize += r.outputs.length ? encodeTlvs(r.outputs, { lengthStyle: 'agent' }).length : 0;
      if (outSize >= SERVER_BUFFER) return fail(Code.INTERNAL_ERROR);
    }
    if (errors.length) return fail(Code.NOT_FOUND);
    if (outputs.length) outputs.push(...sessionAndTime(ctx));
    return { code: Code.CREATED, body: outputs.length ? this.encode(outputs) : EMPTY, errors };
  }

  /** applies-post-without-validity: the TLVs of a request being refused take effect all the same. */
  private applyBeforeRefusing(payload: Uint8Array): void {
    const ctx = this.context();
    for (const tl of walkTlvs(payload).tlvs) {
      if (tl.type !== TLV.Signature && tl.type !== TLV.SignatureValidity && tl.type !== TLV.GroupMatch) postTlv(ctx, payload, tl, 'server');
    }
  }

  /** Every GroupMatch must name a group the meter is in now (doc 6.6); no GroupMatch = unicast, processed. */
  private groupMatches(payload: Uint8Array): boolean {
    if (this.faults.has('ignore-group-match')) return true;
    const groups = this.safeSettings().groups ?? {};
    for (const tl of walkTlvs(payload).tlvs) {
      if (tl.type !== TLV.GroupMatch) continue;
      const f = decodeValue({ type: TLV.GroupMatch, value: payload.subarray(tl.valueStart, tl.end) }).value;
      const type = f?.['type'];
      if (typeof type === 'number' && this.stickyMatches.has(type)) continue;
      const mine = type === 1 ? groups.config : type === 2 ? groups.firmware : undefined;
      if (!mine || mine !== f?.['id']) return false;
      if (this.faults.has('sticky-group-match')) this.stickyMatches.add(type as number);
    }
    return true;
  }

  /** Healthy meters do not apply what the signature does not cover (doc 7.4, 11.16). */
  private afterSignature(tl: AgentTl, check: SignatureCheck): boolean {
    return check.outcome === 'ok' && check.signatureTlv !== undefined && tl.start > check.signatureTlv.start && !this.faults.has('apply-after-signature');
  }

  private policy(kind: 'post' | 'response'): SignaturePolicy {
    const required = kind === 'post' ? this.identity.signatures.post : this.identity.signatures.response;
    return {
      requireSigned: required,
      requireValidity: required,
      ignoreValidity: this.faults.has('ignore-signature-validity'),
      acceptBadSignature: this.faults.has('accept-bad-signature') || (kind === 'response' && this.faults.has('register-on-wrong-key')),
      ignoreNotAfter: this.faults.has('accept-expired-signature'),
      ignoreNotBefore: this.faults.has('accept-future-signature'),
      notBeforeLeewayS: this.faults.has('not-before-leeway') ? NOT_BEFORE_LEEWAY_S : 0,
      lenientDer: this.faults.has('accept-malformed-der'),
      reduceModN: this.faults.has('signature-values-reduced-mod-n'),
      replayCache: this.faults.has('accept-replay'),
    };
  }

  private checkSignature(payload: Uint8Array, policy: SignaturePolicy): SignatureCheck {
    return checkSignature(payload, policy, this.ram.signature, this.safeSettings().nms?.publicKey, () => this.nowSec(), this.counters);
  }

  // ---- answers and notifications ----

  /** The piggybacked ACK goes back where the request came from, from where it was sent to. */
  private answer(request: Datagram, bytes: Uint8Array): void {
    let src = isMulticast(request.dst) ? this.identity.address : request.dst;
    let srcPort = this.identity.serverPort;
    let dst = request.src;
    let dstPort = request.srcPort;
    if (this.faults.has('reply-to-nms-address')) {
      ({ address: dst, port: dstPort } = this.nms());
    }
    if (this.faults.has('reply-to-nms-host')) dst = this.nms().address;
    if (this.faults.has('reply-from-wrong-address')) {
      src = this.linkLocal;
      srcPort = this.clientPort === this.identity.serverPort ? this.ephemeralPort || 49152 : this.clientPort;
    }
    this.transmit({ src, srcPort, dst, dstPort, payload: bytes });
  }

  /** a= (default 20 s): one pending answer, overwritten by a later request (doc 3.6). */
  private answerLater(req: AgentRequest, body: Uint8Array): void {
    let delay = DEFAULT_ASYNC_SEC;
    const a = req.query.find((o) => o.length < 128 && o[0] === 0x61 && o[1] === 0x3d); // "a="
    if (a) delay = parseInt(text(a.subarray(2)), 10) || DEFAULT_ASYNC_SEC;
    this.pendingAsync = body;
    this.timers.start('async', delay, delay, () => {
      this.timers.stop('async');
      const pending = this.pendingAsync;
      this.pendingAsync = undefined;
      if (pending) this.sendEncoded(NON, 'c', pending, EMPTY);
    });
  }

  private notify(code: number, tlvs: number[], token: Uint8Array): void {
    this.ram.notification = { code, tlvs: tlvs.slice(0, MAX_NOTIFY_TLVS) };
    const ctx = this.context();
    const body = encodeValue(TLV.CGMSNotification, code === NOTIFY_PROCESSING_ERROR ? { code, tlvs: this.ram.notification.tlvs } : { code });
    this.sendRequest(NON, 'c', [deviceId(ctx), { type: TLV.CGMSNotification, value: body }], token);
  }

  private sendRequest(type: number, resource: 'r' | 'c', tlvs: TlvInput[], token: Uint8Array): void {
    if (tlvs.length === 0) return;
    this.sendEncoded(type, resource, this.encode(tlvs), token);
  }

  private sendEncoded(type: number, resource: 'r' | 'c', body: Uint8Array, token: Uint8Array): void {
    const bytes = buildPost(type, this.messageId, token, resource, body);
    this.messageId = (this.messageId + 1) & 0xffff;
    const nms = this.nms();
    this.transmit({ src: this.identity.address, srcPort: this.clientPort, dst: nms.address, dstPort: nms.port, payload: bytes });
  }

  private transmit(d: Datagram): void {
    if (this.current === 'off' || this.current === 'crashed') return;
    this.ram.octetsOut += d.payload.length + HEADERS;
    this.sendOut(d);
  }

  /** TLVs that fit in the agent's buffer, in order: the first that does not fit ends the list. */
  private fitting(tlvs: TlvInput[], budget: number): TlvInput[] {
    let size = 0;
    const out: TlvInput[] = [];
    for (const t of tlvs) {
      const n = encodedTlvSize(t, { lengthStyle: 'agent' });
      if (size + n > budget) break;
      size += n;
      out.push(t);
    }
    return out;
  }

  private encode(tlvs: TlvInput[]): Uint8Array {
    const bytes = encodeTlvs(tlvs, { lengthStyle: 'agent' });
    if (!this.faults.has('malformed-tlvs') || tlvs.length === 0) return bytes;
    return malformLast(tlvs, bytes);
  }

  // ---- context for the handlers ----

  private context(): AgentContext {
    const agent = this;
    let cached: MeterSettings | undefined;
    return {
      identity: this.identity,
      eui: this.eui,
      linkLocal: this.linkLocal,
      platform: this.platform,
      faults: this.faults,
      ram: this.ram,
      stats: this.counters,
      firmware: this.firmware,
      dagSize: this.dagSize,
      settings: () => (cached ??= agent.safeSettings()),
      slots: () => (cached ??= agent.safeSettings()).firmware ?? [],
      nowSec: () => agent.nowSec(),
      uptimeSec: () => Math.floor((agent.time.monotonic() - agent.bootAt) / 1000),
      registered: () => agent.current === 'registered',
      cgmsStatus: () => agent.cgmsStatus(),
      reportIntervalChanged: (previous) => agent.reportIntervalChanged(previous),
      scheduleReboot: () => agent.timers.start('reboot', REBOOT_BOUND_SEC, REBOOT_BOUND_SEC, () => agent.reboot(RegReason.administrative)),
      scheduleLoad: (hash, delay) => agent.timers.start('lrq', Math.max(1, delay), Math.max(1, delay), () => agent.activate(hash)),
      cancelLoad: () => {
        agent.ram.pendingLoad = undefined;
        agent.timers.stop('lrq');
      },
    };
  }

  private reportIntervalChanged(previous: number): void {
    const now = this.ram.report.interval;
    if (now !== previous && now !== 0 && this.current === 'registered') this.startReports();
  }

  /** The load timer fired: the image becomes the running one, the meter reboots and registers. */
  private activate(hash: Uint8Array): void {
    this.timers.stop('lrq');
    this.ram.pendingLoad = undefined;
    if (!this.faults.has('reports-old-version-after-load')) this.firmware.activate(hash);
    this.reboot(RegReason.administrative);
  }

  private newFirmware(): FirmwareManager {
    return new FirmwareManager({
      slots: () => this.safeSettings().firmware ?? [],
      save: (slots) => this.platform.saveFirmware(slots),
      images: this.platform.images,
      slotSize: this.identity.slotSize,
      faults: this.faults,
      pendingLoad: () => this.ram.pendingLoad?.hash,
    });
  }

  // ---- plumbing ----

  /** The NMS configured in flash, else the factory default. */
  private nms(): { address: string; port: number } {
    const s = this.safeSettings();
    return {
      address: s.nmsAddress !== undefined ? canonicalIpv6(s.nmsAddress) : this.identity.nms.address,
      port: s.nmsPort ?? this.identity.nms.port,
    };
  }

  private nowSec(): number {
    return Math.floor(this.time.now() / 1000);
  }

  private safeNowSec(): number | undefined {
    try {
      return this.nowSec();
    } catch (e) {
      if (e instanceof ClockUnreadable) return undefined;
      throw e;
    }
  }

  private safeSettings(): MeterSettings {
    try {
      return this.platform.settings();
    } catch {
      return {};
    }
  }

  private setState(to: AgentState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.emit('state', { from, to });
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.fault(e);
    }
  }

  /** A crash stops the agent like the real process dying; anything else is a simulator bug and is rethrown. */
  private fault(e: unknown): void {
    if (e instanceof ClockUnreadable) {
      // The agent writes CurrentTime from a clock it cannot read: the message is not sent.
      this.dropped('clock unreadable');
      return;
    }
    if (!(e instanceof AgentCrash)) throw e;
    this.timers.stopAll();
    this.pendingAsync = undefined;
    this.crashReason = e;
    this.setState('crashed');
    this.emit('crash', e);
  }

  private dropped(reason: string): void {
    this.emit('drop', { reason });
  }
}

const EMPTY = new Uint8Array(0);

function freshRam(): AgentRam {
  return {
    report: { interval: 0, ids: [] },
    signature: {},
    notification: { code: 0, tlvs: [] },
    vendor: defaultVendorValues(),
    signatureSettings: {
      reqSignedPost: false,
      reqValidCheckPost: false,
      reqTimeSyncPost: false,
      reqSecLocalPost: false,
      reqSignedResp: false,
      reqValidCheckResp: false,
      reqTimeSyncResp: false,
      reqSecLocalResp: false,
    },
    octetsIn: 0,
    octetsOut: 0,
    discardsIn: 0,
  };
}

/** TLVs of a payload in order; `undefined` marks where the agent's walk cannot go on. */
function* walkOrStop(payload: Uint8Array): Generator<AgentTl | undefined> {
  const { tlvs, complete } = walkTlvs(payload);
  yield* tlvs;
  if (!complete) yield undefined;
}

/** A request code (class 0, not Empty): on a socket shared by server and client, requests go to the server. */
function isRequestCode(datagram: Uint8Array): boolean {
  const code = datagram[1];
  return datagram.length >= 4 && code !== undefined && code !== 0 && code >> 5 === 0;
}

function errorCode(e: HandlerError): number {
  switch (e) {
    case 'unsupported':
      return Code.NOT_FOUND;
    case 'read':
      return Code.BAD_REQUEST;
    case 'failed':
      return Code.INTERNAL_ERROR;
    case 'write':
      return Code.FORBIDDEN;
  }
}

/** malformed-tlvs: the last TLV's length claims one byte more than the payload holds. */
function malformLast(tlvs: TlvInput[], bytes: Uint8Array): Uint8Array {
  const last = tlvs[tlvs.length - 1]!;
  const out = bytes.slice();
  // The length slot sits right before the value: two bytes in the agent's style.
  const slot = bytes.length - last.value.length - 2;
  const declared = last.value.length + 1;
  out[slot] = (declared & 0x7f) | 0x80;
  out[slot + 1] = declared >> 7;
  return out;
}

export type { FirmwareSlot };
