/**
 * The NMS as a client of device resources (csmp-protocol.md 3.2-3.4, 6.5):
 * - GET /c?q=<ids> (FND's form; ids space-separated for csmp-agent-lib) or GET /c/<id>[/<index>];
 * - POST /c with [GroupMatch] + TLVs + SignatureValidity + Signature (signed by default, the
 *   signing TLVs last, GroupMatch first and covered by the signature);
 * - CON (answer piggybacked in the ACK) or NON with a=<s>: the device answers later with a NON
 *   POST to the NMS's /c, which reports.ts hands back here. Those answers are not correlated by
 *   token or Message ID (doc 6.5): the first non-report message from the device is the answer,
 *   except CGMSNotifications, which carry the token of the NON POST they follow.
 *
 * An answer that arrives at another local address than the request left from is counted per
 * device: that is the load-balancer symptom (answers at the VIP, doc 9). A NON answer is still
 * the answer; a CON's ACK is not (a server behind a load balancer would never get it), so the
 * request times out.
 */
import { signCustom, type SignatureSpec } from './custom-signing.js';
import type { CoapEndpoint } from '../coap/endpoint.js';
import { CoapTimeoutError } from '../coap/errors.js';
import type { CoapMessage } from '../coap/message.js';
import { buildPayload, decodePayload, type TlvToBuild } from '../csmp/payload.js';
import type { DecodedTlv } from '../csmp/value.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { Clock } from '../../core/clock.js';
import { sameBytes } from '../../core/bytes.js';
import type { ProcessingCounters } from './counters.js';
import type { DeviceRecord, DeviceStates } from './device-state.js';
import { EventTimeoutError, type NmsEvents } from './events.js';
import type { DevicePost } from './reports.js';
import { SIGNATURE_FAILURE_HINT } from './reports.js';
import type { GroupId } from './response-builder.js';
import type { NmsSigner } from './signing.js';
import { learnGroupsAndFirmware } from './learnt-tlvs.js';

/** csmp-agent-lib's delay when a= is missing or 0 (doc 3.3). */
export const DEFAULT_ASYNC_SECONDS = 20;

export type TlvIdLike = number | string;

export interface ExchangeOptions {
  /** Default true. false sends NON with a= and waits for the device's asynchronous POST /c. */
  confirmable?: boolean;
  /** a= seconds for NON requests; default 20. */
  a?: number;
  /** CON: the endpoint's timeout (default 10 s). NON: default 2a + 5 s (csmp-agent-lib answers within a/2..2a). */
  timeoutMs?: number;
}

export interface GetOptions extends ExchangeOptions {
  /** 'query': GET /c?q=<ids> (default, FND's form); 'path': GET /c/<id>[/<index>] (one id). */
  style?: 'query' | 'path';
  /** Row index for style 'path' (csmp-agent-lib honours it for 75 only). */
  index?: number;
  /** Separator of several ids in q=; default ' ' (csmp-agent-lib reads only the first id of a '+' list). */
  separator?: string;
}

export interface PostOptions extends ExchangeOptions {
  /** Default: sign when the NMS has a signing key. */
  sign?: boolean;
  /** Sent first, covered by the signature (doc 6.6). */
  groupMatch?: GroupId;
  /**
   * Appended after the Signature TLV, outside what it covers: a device must ignore them (the
   * reference agent's process_tlvs stops at the signature), and a test shows whether it does.
   */
  afterSignature?: readonly TlvToBuild[];
  /** Sign another way than the NMS does (another key, a chosen window, a malformed DER). */
  signature?: SignatureSpec;
}

export interface ClientAnswer {
  device: string;
  /** The request as sent. */
  request: CoapMessage;
  /** CON: the ACK's code (2.05, 2.01, 4.04 ...). NON: the code of the device's POST (0.02). */
  code: string;
  tlvs: DecodedTlv[];
  /** Where the payload stops decoding; `tlvs` holds what came before. */
  decodeError?: string;
  payload: Uint8Array;
  /** The payload the NMS sent (POST), for tests that replay it. */
  sentPayload?: Uint8Array;
  async: boolean;
  sentFrom: string;
  /**
   * The local address the answer arrived at. For CON that is where the request left from: the
   * endpoint takes no ACK that arrived elsewhere (it is counted as misrouted instead).
   */
  arrivedAt: string;
}

export interface ClientDeps {
  clock: Clock;
  devices: DeviceStates;
  events: NmsEvents;
  counters: ProcessingCounters;
  /** The client endpoint on the link that reaches the device. */
  endpointFor(rec: DeviceRecord): CoapEndpoint;
  /** Source address of requests (the reply-from switch). */
  sourceAddress(): string;
  signer: NmsSigner | undefined;
}

interface AsyncWaiter {
  rec: DeviceRecord;
  kind: 'get' | 'post';
  token: Uint8Array;
  sentFrom: string;
  /** Set once the endpoint has sent it. */
  request: CoapMessage | undefined;
  resolve(a: ClientAnswer): void;
  reject(e: Error): void;
  timer: unknown;
}

function tlvIdText(id: TlvIdLike): string {
  const text = String(id);
  if (!/^(\d+|e\d+\.\d+)$/.test(text)) throw new RangeError(`not a TLV id: ${JSON.stringify(id)} (decimal, or e<PEN>.<type>)`);
  return text;
}

export class NmsClient {
  private readonly waiters: AsyncWaiter[] = [];
  private readonly misroutes = new Map<string, Map<string, number>>();
  private readonly stats = new Map<string, { sent: number; unanswered: number }>();

  constructor(private readonly deps: ClientDeps) {}

  /** GET TLVs from a device (by rig name or EUI-64). */
  async get(device: string, ids: TlvIdLike | readonly TlvIdLike[], opts: GetOptions = {}): Promise<ClientAnswer> {
    const list = (Array.isArray(ids) ? ids : [ids]).map(tlvIdText);
    if (list.length === 0) throw new RangeError('GET needs at least one TLV id');
    const confirmable = opts.confirmable ?? true;
    let uriPath: string[];
    const uriQuery: string[] = [];
    if (opts.style === 'path') {
      if (list.length !== 1) throw new RangeError('GET /c/<id> takes one TLV id');
      uriPath = ['c', list[0]!, ...(opts.index !== undefined ? [String(opts.index)] : [])];
    } else {
      uriPath = ['c'];
      uriQuery.push(`q=${list.join(opts.separator ?? ' ')}`);
    }
    const answer = await this.exchange(device, 'GET', uriPath, uriQuery, undefined, confirmable, opts);
    // A device registered to an earlier NMS tells its groups and firmware only when asked.
    if (answer.code === '2.05' || answer.async) learnGroupsAndFirmware(this.deps.devices.require(device), answer.tlvs, 'GET', this.deps.clock.now(), opts.index !== undefined);
    return answer;
  }

  /** POST TLVs to a device's /c, signed unless opts.sign is false. */
  async post(device: string, items: readonly TlvToBuild[], opts: PostOptions = {}): Promise<ClientAnswer> {
    const payload = this.postPayload(items, opts);
    const answer = { ...(await this.exchange(device, 'POST', ['c'], [], payload, opts.confirmable ?? true, opts)), sentPayload: payload };
    const signed = opts.sign ?? this.deps.signer !== undefined;
    if (signed && answer.code === '4.01') {
      const rec = this.deps.devices.require(device);
      this.deps.events.record({
        name: 'signatureFailure',
        message: `Invalid CSMP Signature: mesh device ${rec.eid} rejected a signed POST (4.01 Unauthorized). ${SIGNATURE_FAILURE_HINT}`,
        device: rec.device.name,
        eid: rec.eid,
        details: { code: '4.01' },
      });
    }
    return answer;
  }

  /** POST exactly `payload` (a captured request sent again): no signing, no checks. */
  async postBytes(device: string, payload: Uint8Array, opts: ExchangeOptions = {}): Promise<ClientAnswer> {
    return this.exchange(device, 'POST', ['c'], [], payload, opts.confirmable ?? true, opts);
  }

  /**
   * NON POST of `items` to a group address (multicast) on the link that reaches `via`, a member
   * of the group, at its CSMP port: GroupMatch first (doc 6.6), a= for the members' answers
   * (default 20 s). Nothing is awaited: each member answers the NMS's /c on its own, a
   * CGMSNotification carrying this request's token when the POST produced no output (doc 3.5).
   * Resolves with the message once it is handed to the link.
   */
  async postToGroup(via: string, address: string, items: readonly TlvToBuild[], opts: { groupMatch: GroupId; a?: number; sign?: boolean }): Promise<CoapMessage> {
    const rec = this.deps.devices.require(via);
    const endpoint = this.deps.endpointFor(rec);
    const from = this.deps.sourceAddress();
    const a = opts.a ?? DEFAULT_ASYNC_SECONDS;
    if (!Number.isInteger(a) || a < 0) throw new RangeError(`a= must be whole seconds >= 0, got ${a}`);
    const payload = this.postPayload(items, { groupMatch: opts.groupMatch, ...(opts.sign !== undefined ? { sign: opts.sign } : {}) });
    this.deps.counters.outbound(from, 'request');
    const token = Uint8Array.of(endpoint.peekMessageId() & 0xff);
    return endpoint.request({ address, port: rec.device.port }, { method: 'POST', uriPath: ['c'], uriQuery: [`a=${a}`], payload, confirmable: false, token }, { from });
  }

  /** The bytes post() sends: [GroupMatch] + items + [SignatureValidity + Signature]. */
  postPayload(items: readonly TlvToBuild[], opts: Pick<PostOptions, 'sign' | 'groupMatch' | 'afterSignature' | 'signature'> = {}): Uint8Array {
    const all: TlvToBuild[] = [];
    if (opts.groupMatch) all.push({ type: TLV.GroupMatch, fields: { type: opts.groupMatch.type, id: opts.groupMatch.id } });
    all.push(...items);
    const body = buildPayload(all, { lengthStyle: 'minimal' });
    const sign = opts.sign ?? this.deps.signer !== undefined;
    let out = body;
    if (sign) {
      if (!this.deps.signer) throw new RangeError('a signed POST needs the NMS signing key (rig nms.signing)');
      const now = this.deps.clock.now();
      out = opts.signature ? signCustom(this.deps.signer, body, now, opts.signature) : this.deps.signer.sign(body, now);
    }
    if (!opts.afterSignature?.length) return out;
    const tail = buildPayload(opts.afterSignature, { lengthStyle: 'minimal' });
    const bytes = new Uint8Array(out.length + tail.length);
    bytes.set(out, 0);
    bytes.set(tail, out.length);
    return bytes;
  }

  /**
   * Called by the NMS for every non-report POST /c from a device. Returns true when it
   * answered a waiting NON request.
   */
  deliverAsync(rec: DeviceRecord, post: DevicePost): boolean {
    const isNotification = post.tlvs.some((t) => t.type === TLV.CGMSNotification);
    const i = this.waiters.findIndex((w) =>
      w.rec === rec && (isNotification ? w.kind === 'post' && sameBytes(w.token, post.message.token) : true),
    );
    if (i < 0) return false;
    const w = this.waiters.splice(i, 1)[0]!;
    this.deps.clock.clearTimeout(w.timer);
    if (post.to.address !== w.sentFrom) this.countMisroute(rec, w.sentFrom, post.to.address);
    w.resolve({
      device: rec.device.name,
      // A NON request is handed to the link before any answer can come back, so this is set.
      request: w.request ?? post.message,
      code: post.message.code,
      tlvs: post.tlvs,
      payload: post.message.payload,
      async: true,
      sentFrom: w.sentFrom,
      arrivedAt: post.to.address,
    });
    return true;
  }

  /**
   * An answer of `rec` that arrived at `arrivedAt` although its request left from `sentFrom`: a NON
   * answer (still delivered), or an ACK the client endpoint would not take as the answer.
   */
  countMisroute(rec: DeviceRecord, sentFrom: string, arrivedAt: string): void {
    const per = this.misroutes.get(rec.device.name) ?? new Map<string, number>();
    const key = `${sentFrom}>${arrivedAt}`;
    per.set(key, (per.get(key) ?? 0) + 1);
    this.misroutes.set(rec.device.name, per);
  }

  /** CON requests sent to a device and how many of them timed out unanswered, since the NMS started. */
  requestStats(device: string): { sent: number; unanswered: number } {
    const s = this.stats.get(this.deps.devices.require(device).device.name);
    return { sent: s?.sent ?? 0, unanswered: s?.unanswered ?? 0 };
  }

  /** Answers that arrived at another local address than their request left from, per pair. */
  misroutedAnswers(device: string): { sentFrom: string; arrivedAt: string; count: number }[] {
    const per = this.misroutes.get(this.deps.devices.require(device).device.name);
    return [...(per ?? [])].map(([k, count]) => {
      const [sentFrom, arrivedAt] = k.split('>') as [string, string];
      return { sentFrom, arrivedAt, count };
    });
  }

  /** Rejects every waiting NON request (NMS stopping). */
  cancelAll(reason: Error): void {
    for (const w of this.waiters.splice(0)) {
      this.deps.clock.clearTimeout(w.timer);
      w.reject(reason);
    }
  }

  private async exchange(
    device: string,
    method: 'GET' | 'POST',
    uriPath: string[],
    uriQuery: string[],
    payload: Uint8Array | undefined,
    confirmable: boolean,
    opts: ExchangeOptions,
  ): Promise<ClientAnswer> {
    const rec = this.deps.devices.require(device);
    const endpoint = this.deps.endpointFor(rec);
    const from = this.deps.sourceAddress();
    const dst = { address: rec.device.address, port: rec.device.port };
    const { counters } = this.deps;
    if (confirmable) {
      counters.outbound(from, 'request');
      let stats = this.stats.get(rec.device.name);
      if (!stats) this.stats.set(rec.device.name, (stats = { sent: 0, unanswered: 0 }));
      stats.sent++;
      let ack: CoapMessage;
      try {
        ack = await endpoint.request(
          dst,
          { method, uriPath, uriQuery, ...(payload ? { payload } : {}), confirmable: true },
          { from, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) },
        );
      } catch (e) {
        if (e instanceof CoapTimeoutError) stats.unanswered++;
        throw e;
      }
      counters.inbound(from, 'response', rec.device.name);
      const decoded = decodePayload(ack.payload);
      return {
        device: rec.device.name,
        request: ack,
        code: ack.code,
        tlvs: decoded.tlvs,
        ...(decoded.error ? { decodeError: decoded.error.message } : {}),
        payload: ack.payload,
        async: false,
        sentFrom: from,
        arrivedAt: from,
      };
    }
    const a = opts.a ?? DEFAULT_ASYNC_SECONDS;
    if (!Number.isInteger(a) || a < 0) throw new RangeError(`a= must be whole seconds >= 0, got ${a}`);
    const waitMs = opts.timeoutMs ?? 2 * (a === 0 ? DEFAULT_ASYNC_SECONDS : a) * 1000 + 5000;
    counters.outbound(from, 'request');
    // A 1-byte token lets a CGMSNotification (which copies it) be tied to this NON POST. The
    // waiter is in place before the request leaves: a fast device must not answer into a void.
    const token = Uint8Array.of(endpoint.peekMessageId() & 0xff);
    return new Promise<ClientAnswer>((resolve, reject) => {
      const w: AsyncWaiter = { rec, kind: method === 'GET' ? 'get' : 'post', token, sentFrom: from, request: undefined, resolve, reject, timer: undefined };
      const forget = (): void => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
      };
      w.timer = this.deps.clock.setTimeout(() => {
        forget();
        reject(new EventTimeoutError(`asynchronous answer from ${rec.device.name} to NON ${method} /${uriPath.join('/')}`, waitMs));
      }, waitMs);
      this.waiters.push(w);
      endpoint
        .request(dst, { method, uriPath, uriQuery: [...uriQuery, `a=${a}`], ...(payload ? { payload } : {}), confirmable: false, token }, { from })
        .then(
          (sent) => {
            w.request = sent;
          },
          (e: unknown) => {
            forget();
            this.deps.clock.clearTimeout(w.timer);
            reject(e as Error);
          },
        );
    });
  }
}
