/**
 * The NMS (FND-like head-end) the harness plays toward devices. It listens at each of its
 * addresses (the FND address and, where tested, a load-balancer VIP) on the CSMP port of every
 * link it is given, answers POST /r (registration.ts), takes POST /c (reports.ts), and reads
 * and configures devices through `client`.
 *
 * Lifetime: construct, start(links), stop(). The links are the caller's: stop() detaches from
 * them and leaves them open. Time comes from the injected clock only.
 */
import { CoapEndpoint, type CoapResponse } from '../coap/endpoint.js';
import { decodeCoap, type CoapMessage } from '../coap/message.js';
import type { Datagram } from '../../drivers/link/types.js';
import type { Peer } from '../coap/errors.js';
import type { Link } from '../../drivers/link/types.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { NmsClient } from './client.js';
import { ProcessingCounters } from './counters.js';
import { DeviceStates, type DeviceRecord, type KnownDevice, type ReportIntervalSource } from './device-state.js';
import { TLV } from '../csmp/tlv-ids.js';
import { WHOLE_HISTORY, type DiagnosisFacts, type DiagnosisWindow } from './diagnosis/facts.js';
import { NmsEvents } from './events.js';
import { Firewall, type FirewalledLink } from './firewall.js';
import { DEFAULT_REGISTRATION, handleRegistration, normaliseEui64, type RegistrationSettings } from './registration.js';
import { handleDevicePost } from './reports.js';
import { checkReportSubscribe } from './response-builder.js';
import { DEFAULT_VALIDITY, type NmsSigner } from './signing.js';
import { STORM_LOOKBACK_MS } from './diagnosis/storm.js';

export const CSMP_PORT = 61628;
/** FND's source port for its own requests in the captures (doc 8.1). */
export const DEFAULT_CLIENT_PORT = 62590;

export interface ProbeResult {
  device: string;
  /** A 2.xx came back. */
  answered: boolean;
  code: string;
  reportIntervalS?: number;
  reportIntervalSource?: ReportIntervalSource;
}

export type NmsAddressName = 'fnd' | 'vip';

export interface NmsAddress {
  name: NmsAddressName;
  address: string;
}

export interface NmsDevice extends KnownDevice {
  /** Overrides of the registration response for this device. */
  registration?: Partial<RegistrationSettings>;
}

export interface NmsOptions {
  addresses: readonly NmsAddress[];
  /** CSMP listening port for /r and /c. Default 61628. */
  port?: number;
  /** Source port of the NMS's own requests. Default 62590. */
  clientPort?: number;
  devices: readonly NmsDevice[];
  /** Without a signer the NMS sends nothing signed (and says so in each registrationRequest event). */
  signer?: NmsSigner;
  clock?: Clock;
  missedIntervalsForDown?: number;
  /** Defaults for every device's registration response. */
  registration?: Partial<RegistrationSettings>;
}

/**
 * Which local address the NMS answers and sends from:
 * 'arrival' (default): answers leave from the address the request came to; requests from 'fnd';
 * 'fnd' / 'vip': everything leaves from that address (the load-balancer experiments).
 */
export type ReplyFromMode = 'arrival' | NmsAddressName;

export class ReplyFrom {
  private current: ReplyFromMode = 'arrival';

  constructor(private readonly addresses: readonly NmsAddress[]) {}

  get mode(): ReplyFromMode {
    return this.current;
  }

  set(mode: ReplyFromMode): void {
    if (mode !== 'arrival' && !this.addresses.some((a) => a.name === mode)) {
      throw new RangeError(`reply-from ${mode}: the NMS has no ${mode} address`);
    }
    this.current = mode;
  }

  /** Source for an answer to something that arrived at `arrivedAt`. */
  answerFrom(arrivedAt: string): string {
    return this.current === 'arrival' ? arrivedAt : this.addressOf(this.current);
  }

  /** Source for a request the NMS originates. */
  requestFrom(): string {
    return this.addressOf(this.current === 'arrival' ? 'fnd' : this.current);
  }

  private addressOf(name: NmsAddressName): string {
    const a = this.addresses.find((x) => x.name === name) ?? this.addresses[0]!;
    return a.address;
  }
}

interface LinkBinding {
  link: FirewalledLink;
  servers: CoapEndpoint[];
  client: CoapEndpoint;
}

export class Nms {
  readonly events: NmsEvents;
  readonly devices: DeviceStates;
  readonly counters = new ProcessingCounters();
  readonly firewall: Firewall;
  private readonly removed = new Set<DeviceRecord>();
  readonly replyFrom: ReplyFrom;
  readonly client: NmsClient;
  readonly port: number;
  readonly clientPort: number;
  readonly addresses: readonly NmsAddress[];
  private readonly clock: Clock;
  private readonly signer: NmsSigner | undefined;
  private readonly settings = new Map<DeviceRecord, RegistrationSettings>();
  private readonly sessionIds = new Map<DeviceRecord, string>();
  private nextSession = 1;
  private readonly probing = new Set<DeviceRecord>();
  private bindings = new Map<string, LinkBinding>();
  private started = false;

  constructor(opts: NmsOptions) {
    if (opts.addresses.length === 0) throw new RangeError('the NMS needs at least one address');
    if (!opts.addresses.some((a) => a.name === 'fnd')) throw new RangeError("the NMS needs an 'fnd' address");
    this.addresses = opts.addresses.map((a) => ({ ...a }));
    this.port = opts.port ?? CSMP_PORT;
    this.clientPort = opts.clientPort ?? DEFAULT_CLIENT_PORT;
    if (this.clientPort === this.port) throw new RangeError('clientPort must differ from the CSMP port');
    this.clock = opts.clock ?? systemClock;
    this.signer = opts.signer;
    this.events = new NmsEvents(this.clock);
    this.devices = new DeviceStates(this.clock, this.events, {
      missedIntervalsForDown: opts.missedIntervalsForDown ?? 3,
      subscribedIntervalS: (rec) => this.settings.get(rec)?.reportIntervalS,
    });
    this.firewall = new Firewall(this.port, (d) => this.blockedInbound(d));
    this.replyFrom = new ReplyFrom(this.addresses);
    for (const a of this.addresses) this.counters.declare(a.address);
    for (const d of opts.devices) {
      const { registration, ...known } = d;
      const rec = this.devices.add({ ...known, eui64: normaliseEui64(known.eui64) });
      const s: RegistrationSettings = { ...DEFAULT_REGISTRATION, ...opts.registration, ...registration };
      checkReportSubscribe(s.reportIntervalS, s.reportTlvs);
      this.settings.set(rec, s);
    }
    this.client = new NmsClient({
      clock: this.clock,
      devices: this.devices,
      events: this.events,
      counters: this.counters,
      endpointFor: (rec) => this.clientEndpointFor(rec),
      sourceAddress: () => this.replyFrom.requestFrom(),
      signer: this.signer,
    });
  }

  get signing(): boolean {
    return this.signer !== undefined;
  }

  /**
   * Takes a device out of the NMS inventory (its /r is answered 4.03 like an unknown DeviceID, as
   * FND does before a meter is added) or puts it back.
   */
  setInInventory(device: string, present: boolean): void {
    const rec = this.devices.require(device);
    if (present) this.removed.delete(rec);
    else this.removed.add(rec);
  }

  /** The registration response settings of a device (mutable: a test may switch CGMSSettings on). */
  registrationSettings(device: string): RegistrationSettings {
    return this.settings.get(this.devices.require(device))!;
  }

  /** Binds the NMS to the links (by their names). The links must be open or opened by the caller. */
  async start(links: readonly Link[] | Readonly<Record<string, Link>>): Promise<void> {
    if (this.started) throw new Error('Nms.start: already started');
    const list = Array.isArray(links) ? (links as readonly Link[]) : Object.values(links as Record<string, Link>);
    if (list.length === 0) throw new RangeError('Nms.start: no link');
    for (const rec of this.devices.all()) {
      const want = rec.device.link;
      if (want !== undefined && !list.some((l) => l.name === want)) throw new RangeError(`device ${rec.device.name}: no link named ${want}`);
    }
    for (const raw of list) {
      const link = this.firewall.wrap(raw);
      const servers = this.addresses.map((a) => {
        const ep = new CoapEndpoint({ link, address: a.address, port: this.port, clock: this.clock });
        ep.onRequest((req, from, to) => this.serve(req, from, to));
        return ep;
      });
      const client = new CoapEndpoint({ link, address: '::', port: this.clientPort, clock: this.clock });
      client.on('misrouted', (_msg: CoapMessage, from: Peer, to: Peer, sentFrom: string) => {
        const rec = this.devices.byAddress(from.address);
        if (rec) this.client.countMisroute(rec, sentFrom, to.address);
      });
      this.bindings.set(raw.name, { link, servers, client });
    }
    this.started = true;
  }

  /** Detaches from the links, cancels timers and pending requests. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.client.cancelAll(new Error('NMS stopped'));
    for (const b of this.bindings.values()) {
      for (const ep of b.servers) ep.close();
      b.client.close();
      b.link.detach();
    }
    this.bindings.clear();
    this.devices.stop();
  }

  /**
   * What the NMS knows of one device for the flowchart: since it started, or only since `window`
   * began (a run keeps one NMS for many tests, and an earlier test's events must not decide a
   * later one's branch).
   */
  diagnosisFacts(device: string, window: DiagnosisWindow = WHOLE_HISTORY): DiagnosisFacts {
    const rec = this.devices.require(device);
    const name = rec.device.name;
    const settings = this.settings.get(rec)!;
    return {
      device: rec.device,
      eid: rec.eid,
      state: rec.state,
      registrationCount: rec.registrationCount,
      reportCount: rec.reportCount,
      ...(rec.lastRegistration ? { lastRegistration: rec.lastRegistration } : {}),
      ...(rec.groupInfo ? { groupInfo: rec.groupInfo } : {}),
      ...(rec.firmwareInfo ? { firmwareInfo: rec.firmwareInfo } : {}),
      ...(rec.clockOffsetS !== undefined ? { clockOffsetS: rec.clockOffsetS } : {}),
      notificationCodes: rec.notifications.filter((n) => n.at >= window.atMs).map((n) => n.code),
      events: this.events.find((e) => e.device === name, window.eventSeq),
      // The storm check looks back a minute whatever the window: a test that began a few seconds
      // ago must still see a device that has been sending /r every second.
      recentAttempts: this.events.find((e) => e.device === name && (e.name === 'registrationRequest' || e.name === 'registrationRejected') && e.at >= this.clock.now() - STORM_LOOKBACK_MS),
      firewall: this.firewall.stateFor(rec.device.address),
      addresses: this.addresses,
      counters: this.counters.snapshot(),
      sendsFrom: this.replyFrom.requestFrom(),
      misroutedAnswers: this.client
        .misroutedAnswers(name)
        .map((m) => ({ ...m, count: m.count - (window.misroutes.get(`${m.sentFrom}>${m.arrivedAt}`) ?? 0) }))
        .filter((m) => m.count > 0),
      validity: this.signer?.validity ?? DEFAULT_VALIDITY,
      signing: this.signer !== undefined && settings.sign,
      cgmsSettingsInRegistration: settings.cgmsSettings !== false,
    };
  }

  /**
   * A datagram the firewall dropped: recorded, so a test can wait for attempts rather than for time
   * (registrationBlocked), and a diagnosis can wait for what a Down device still sends (inboundBlocked).
   */
  private blockedInbound(d: Datagram): void {
    let m: CoapMessage | undefined;
    try {
      m = decodeCoap(d.payload);
    } catch {
      m = undefined;
    }
    const rec = this.devices.byAddress(d.src);
    const who = rec ? { device: rec.device.name, eid: rec.eid } : {};
    if (m?.code === '0.02' && m.uriPath.join('/') === 'r') {
      this.events.record({ name: 'registrationBlocked', message: `Registration from [${d.src}]:${d.srcPort} dropped by the NMS firewall.`, ...who });
      return;
    }
    const what = m ? `${m.type} ${m.code}${m.uriPath.length ? ` /${m.uriPath.join('/')}` : ''}` : 'not CoAP';
    this.events.record({ name: 'inboundBlocked', message: `Datagram (${what}) from [${d.src}]:${d.srcPort} to port ${d.dstPort} dropped by the NMS firewall.`, ...who });
  }

  /** Misrouted-answer counts now, for a DiagnosisWindow that starts here. */
  misrouteSnapshot(device: string): Map<string, number> {
    return new Map(this.client.misroutedAnswers(device).map((m) => [`${m.sentFrom}>${m.arrivedAt}`, m.count]));
  }

  private serve(req: CoapMessage, from: Peer, to: Peer): CoapResponse | undefined {
    const path = req.uriPath;
    if (req.code === '0.02' && path.length === 1 && path[0] === 'r') {
      const out = handleRegistration(
        {
          clock: this.clock,
          devices: this.devices,
          events: this.events,
          settingsFor: (rec) => this.settings.get(rec)!,
          inInventory: (rec) => !this.removed.has(rec),
          signer: this.signer,
          sessionIdFor: (rec) => this.sessionIdFor(rec),
          replySource: (arrivedAt) => this.replyFrom.answerFrom(arrivedAt),
        },
        req,
        from,
        to,
      );
      this.counters.inbound(to.address, 'registration', out.device?.device.name);
      this.counters.outbound(out.response.from ?? to.address, out.response.code === '2.03' ? 'registrationResponse' : 'other');
      return out.response;
    }
    if (req.code === '0.02' && path[0] === 'c') {
      const out = handleDevicePost(
        {
          clock: this.clock,
          devices: this.devices,
          events: this.events,
          deliverAsync: (rec, post) => this.client.deliverAsync(rec, post),
        },
        req,
        from,
        to,
      );
      this.counters.inbound(to.address, out.kind, out.device?.device.name);
      const rec = out.device;
      // Heard reporting with no registration of ours behind it: the interval is an assumption
      // until the device's own ReportSubscribe is read.
      if (out.kind === 'report' && rec?.reportIntervalSource === 'nms-setting' && !this.probing.has(rec)) {
        this.probe(rec.device.name).catch(() => undefined);
      }
      // Device POST /c is NON and never answered ([DRAFT]); a CON one still needs its ACK, and a
      // non-2.xx would make a reference agent re-register (doc 6.4).
      if (req.type !== 'CON') return undefined;
      const response: CoapResponse = { code: '2.04', from: this.replyFrom.answerFrom(to.address) };
      this.counters.outbound(response.from!, 'other');
      return response;
    }
    this.counters.inbound(to.address, 'other', this.devices.byAddress(from.address)?.device.name);
    if (req.type !== 'CON') return undefined;
    const response: CoapResponse = { code: req.code === '0.02' || req.code === '0.01' ? '4.04' : '4.05', from: this.replyFrom.answerFrom(to.address) };
    this.counters.outbound(response.from!, 'other');
    return response;
  }

  /**
   * GET the device's ReportSubscribe (TLV 13): a 2.05 marks it heard at once (no waiting a
   * report interval) and gives Down detection the interval it really reports at. Resolves with
   * what was learnt; rejects as the GET does (timeout, no route).
   */
  async probe(device: string, opts: { timeoutMs?: number } = {}): Promise<ProbeResult> {
    const rec = this.devices.require(device);
    this.probing.add(rec);
    try {
      const answer = await this.client.get(rec.device.name, [TLV.ReportSubscribe], opts);
      if (!answer.code.startsWith('2.')) return { device: rec.device.name, answered: false, code: answer.code };
      this.devices.answered(rec, 'GET ReportSubscribe (TLV 13)');
      const interval = answer.tlvs.find((t) => t.type === TLV.ReportSubscribe)?.value?.['interval'];
      if (typeof interval === 'number') this.devices.learnedInterval(rec, interval);
      return {
        device: rec.device.name,
        answered: true,
        code: answer.code,
        ...(rec.reportIntervalS !== undefined ? { reportIntervalS: rec.reportIntervalS } : {}),
        ...(rec.reportIntervalSource !== undefined ? { reportIntervalSource: rec.reportIntervalSource } : {}),
      };
    } finally {
      this.probing.delete(rec);
    }
  }

  private sessionIdFor(rec: DeviceRecord): string {
    let id = this.sessionIds.get(rec);
    if (id === undefined) {
      id = String(this.nextSession++);
      this.sessionIds.set(rec, id);
    }
    return id;
  }

  private clientEndpointFor(rec: DeviceRecord): CoapEndpoint {
    if (!this.started) throw new Error('Nms: not started');
    const name = rec.device.link;
    const b = name !== undefined ? this.bindings.get(name) : this.bindings.size === 1 ? [...this.bindings.values()][0] : undefined;
    if (!b) throw new RangeError(`device ${rec.device.name}: ${name === undefined ? 'several links and no link named' : `no link ${name}`}`);
    return b.client;
  }
}
