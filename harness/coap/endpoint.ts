/**
 * One CoAP endpoint (client and server) on one Link and one local UDP port, with the CSMP
 * profile's defaults (csmp-protocol.md 3.4): piggybacked responses only, no retransmission
 * unless asked for, no token unless asked for.
 *
 * Events (never 'error': nothing that arrives from the wire is thrown into the run):
 * - 'drop' (EndpointDrop): a datagram or message was thrown away; also counted in `drops`
 * - 'duplicate' (msg, from): a request answered from the duplicate cache
 * - 'late' (msg, from): an ACK/RST for a request that had already timed out
 * - 'misrouted' (msg, from, to, sentFrom): an ACK/RST for a pending request that arrived at
 *   another local address (`to`) than the request left from (`sentFrom`); not taken as the
 *   answer (the request goes on waiting) and counted as the drop 'misrouted response'
 * - 'response' (msg, from, to): a CON/NON response not tied to a pending request
 *   (separate responses, NON responses); counted as a drop when nobody listens
 * - 'handlerError' (err, req, from): the request handler threw or rejected
 */
import { EventEmitter } from 'node:events';
import type { Datagram, Link } from '../../drivers/link/types.js';
import { DecodeError } from '../../core/errors.js';
import { DropCounter } from '../../core/drop-counter.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { sameBytes } from '../../core/bytes.js';
import { codeName, isRequest, methodCode, type CoapMethod } from './codes.js';
import { CoapClosedError, CoapResetError, CoapTimeoutError, type Peer } from './errors.js';
import { ExpiringMap } from './expiring-map.js';
import { decodeCoap, encodeCoap, encodeCoapWithOptions, type CoapMessage, type CoapMessageInit, type CoapOption } from './message.js';

/** RFC 7252 4.8.2 with default transmission parameters. */
export const EXCHANGE_LIFETIME_MS = 247_000;
/** '::' binds every address the link delivers; replies then leave from the address that was asked. */
export const ANY_ADDRESS = '::';

export type TokenPolicy = 'none' | 'mid-low-byte';

export interface CoapEndpointOptions {
  link: Link;
  /** Local address, or '::' for any address the link delivers for `port`. */
  address: string;
  port: number;
  clock?: Clock;
  /** Default 10 000 ms. */
  defaultTimeoutMs?: number;
  /**
   * How requests get a token when the request does not say: 'none' (CSMP clients, default) or
   * 'mid-low-byte' (what FND sent: one byte, the low byte of the Message ID).
   */
  token?: TokenPolicy;
  /** First Message ID; default random, as RFC 7252 4.4 asks. */
  firstMessageId?: number;
  /**
   * Duplicate detection for incoming requests (default on). The reference agent keeps no
   * duplicate cache, so a simulated device turns this off to behave like one.
   */
  dedup?: boolean;
  exchangeLifetimeMs?: number;
  /** Bound on remembered exchanges per table; default 65 536. Evictions are counted in `stats`. */
  maxExchanges?: number;
}

export interface CoapRequest {
  method: CoapMethod | string;
  uriPath: readonly string[];
  uriQuery?: readonly string[];
  payload?: Uint8Array;
  /** Default true. */
  confirmable?: boolean;
  /** Explicit token bytes, or a policy overriding the endpoint's. */
  token?: Uint8Array | TokenPolicy;
  /** Further options; Uri-Path/Uri-Query here are ignored (see encodeCoap). */
  options?: readonly CoapOption[];
}

export interface RequestOptions {
  timeoutMs?: number;
  /** RFC 7252 retransmission of a CON: `count` resends, the first after `ackTimeoutMs`, then doubling. */
  retransmit?: { count: number; ackTimeoutMs: number };
  /** Source address; default the endpoint's address. */
  from?: string;
}

export interface CoapResponse {
  code: string;
  payload?: Uint8Array;
  options?: readonly CoapOption[];
  /** Token to send instead of the request's (to provoke clients that check it). */
  token?: Uint8Array;
  /** Answer with a Reset instead of a response; `code` and the rest are ignored. */
  reset?: boolean;
  /** Source address; default the address the request was sent to. */
  from?: string;
}

export type RequestHandler = (
  req: CoapMessage,
  from: Peer,
  to: Peer,
) => CoapResponse | undefined | Promise<CoapResponse | undefined>;

export interface EndpointDrop {
  layer: 'coap';
  reason: string;
  /** Set when the datagram did not decode. */
  error?: DecodeError;
  datagram: Datagram;
}

interface Pending {
  describe: string;
  peer: Peer;
  /** The local address the request left from: its answer must arrive there. */
  local: string;
  resolve: (m: CoapMessage) => void;
  reject: (e: Error) => void;
  timer: unknown;
  retransmitTimer: unknown;
}

interface CachedExchange {
  /** A copy of the request bytes: a retransmission is byte-identical, a reused MID is not. */
  request: Uint8Array;
  /** Undefined while the handler runs, or when it chose not to answer. */
  reply: Datagram | undefined;
}

type FinishedExchange = 'answered' | 'timed out';

export class CoapEndpoint extends EventEmitter {
  readonly address: string;
  readonly port: number;
  /** What was thrown away, by reason: decode failures, 'duplicate', 'late response', ... */
  readonly drops = new DropCounter();
  /** Things that happened but lost nothing: 'retransmission', 'message id reused', 'handler error', ... */
  readonly stats = new DropCounter();

  private readonly link: Link;
  private readonly clock: Clock;
  private readonly defaultTimeoutMs: number;
  private readonly tokenPolicy: TokenPolicy;
  private readonly dedup: boolean;
  private readonly pending = new Map<string, Pending>();
  private readonly served: ExpiringMap<CachedExchange>;
  private readonly finished: ExpiringMap<FinishedExchange>;
  private readonly listener = (d: Datagram): void => this.receive(d);
  private handler: RequestHandler | undefined;
  private nextMid: number;
  private closed = false;

  constructor(opts: CoapEndpointOptions) {
    super();
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 0xffff) {
      throw new TypeError(`port must be 1-65535, got ${opts.port}`);
    }
    this.link = opts.link;
    this.address = opts.address;
    this.port = opts.port;
    this.clock = opts.clock ?? systemClock;
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 10_000;
    this.tokenPolicy = opts.token ?? 'none';
    this.dedup = opts.dedup ?? true;
    this.nextMid = (opts.firstMessageId ?? Math.floor(Math.random() * 0x10000)) & 0xffff;
    const lifetime = opts.exchangeLifetimeMs ?? EXCHANGE_LIFETIME_MS;
    const max = opts.maxExchanges ?? 65_536;
    this.served = new ExpiringMap(lifetime, max, () => this.stats.count('duplicate cache evicted'));
    this.finished = new ExpiringMap(lifetime, max);
    this.link.on('datagram', this.listener);
  }

  /** Sets the request handler; requests that arrive without one get RST (CON) or are dropped (NON). */
  onRequest(handler: RequestHandler): void {
    this.handler = handler;
  }

  /**
   * Sends a request. CON: resolves with the piggybacked ACK (an empty ACK 0.00 resolves too:
   * CSMP has no separate responses and the caller decides what an empty ACK means). NON:
   * resolves with the message as sent, once it is handed to the link; its answer comes later
   * as a request of its own.
   */
  request(dst: Peer, req: CoapRequest, opts: RequestOptions = {}): Promise<CoapMessage> {
    const confirmable = req.confirmable ?? true;
    const mid = this.allocateMid();
    const describe = `${confirmable ? 'CON' : 'NON'} ${describeRequest(req.method, req.uriPath, req.uriQuery)} (MID ${mid})`;
    if (this.closed) return Promise.reject(new CoapClosedError(describe, dst));

    let msg: CoapMessage;
    let bytes: Uint8Array;
    try {
      const src = opts.from ?? this.address;
      if (src === ANY_ADDRESS) throw new TypeError(`${describe}: an endpoint bound to '::' needs a 'from' address`);
      msg = {
        type: confirmable ? 'CON' : 'NON',
        code: methodCode(req.method),
        messageId: mid,
        token: this.tokenFor(req.token, mid),
        options: [],
        uriPath: [...req.uriPath],
        uriQuery: [...(req.uriQuery ?? [])],
        payload: req.payload ?? new Uint8Array(0),
      };
      // Report the options as they went out, Uri-Path and Uri-Query included.
      ({ bytes, options: msg.options } = encodeCoapWithOptions({ ...msg, options: req.options ?? [] }));
      const datagram = { src, dst: dst.address, srcPort: this.port, dstPort: dst.port, payload: bytes };
      if (!confirmable) {
        this.link.send(datagram);
        return Promise.resolve(msg);
      }
      return this.exchange(describe, dst, mid, datagram, opts);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /** Sends a message as given (tests, injected frames): no exchange state, no caching. */
  sendMessage(dst: Peer, msg: CoapMessageInit, from?: string): void {
    this.sendRaw(dst, encodeCoap(msg), from);
  }

  /** Sends bytes as a datagram from this endpoint's port, e.g. deliberately malformed frames. */
  sendRaw(dst: Peer, payload: Uint8Array, from?: string): void {
    const src = from ?? this.address;
    if (src === ANY_ADDRESS) throw new TypeError(`an endpoint bound to '::' needs a 'from' address`);
    this.link.send({ src, dst: dst.address, srcPort: this.port, dstPort: dst.port, payload });
  }

  /** The Message ID the next originated message will use. */
  peekMessageId(): number {
    return this.nextMid;
  }

  /** Rejects pending requests with CoapClosedError, clears timers and stops listening. The link stays open. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.link.off('datagram', this.listener);
    for (const p of this.pending.values()) {
      this.clearTimers(p);
      p.reject(new CoapClosedError(p.describe, p.peer));
    }
    this.pending.clear();
    this.served.clear();
    this.finished.clear();
  }

  private exchange(describe: string, peer: Peer, mid: number, datagram: Datagram, opts: RequestOptions): Promise<CoapMessage> {
    const key = exchangeKey(peer.address, peer.port, mid);
    if (this.pending.has(key)) {
      // Only after 65 536 requests outstanding to one peer; refuse rather than mismatch answers.
      return Promise.reject(new RangeError(`${describe}: Message ID ${mid} still pending to this peer`));
    }
    return new Promise<CoapMessage>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
      const p: Pending = { describe, peer, local: datagram.src, resolve, reject, timer: undefined, retransmitTimer: undefined };
      this.pending.set(key, p);
      p.timer = this.clock.setTimeout(() => {
        this.clearTimers(p);
        this.pending.delete(key);
        this.finished.set(key, 'timed out', this.clock.now());
        reject(new CoapTimeoutError(describe, peer, timeoutMs));
      }, timeoutMs);
      const rt = opts.retransmit;
      if (rt && rt.count > 0) {
        let sent = 0;
        const again = (wait: number): void => {
          p.retransmitTimer = this.clock.setTimeout(() => {
            if (!this.pending.has(key)) return;
            sent++;
            this.stats.count('retransmission');
            this.transmit(datagram, p, key);
            if (sent < rt.count) again(wait * 2);
          }, wait);
        };
        again(rt.ackTimeoutMs);
      }
      this.transmit(datagram, p, key);
    });
  }

  private transmit(datagram: Datagram, p: Pending, key: string): void {
    try {
      this.link.send(datagram);
    } catch (e) {
      this.clearTimers(p);
      this.pending.delete(key);
      p.reject(e as Error);
    }
  }

  private clearTimers(p: Pending): void {
    if (p.timer !== undefined) this.clock.clearTimeout(p.timer);
    if (p.retransmitTimer !== undefined) this.clock.clearTimeout(p.retransmitTimer);
    p.timer = p.retransmitTimer = undefined;
  }

  private receive(d: Datagram): void {
    if (this.closed || d.dstPort !== this.port) return;
    if (this.address !== ANY_ADDRESS && d.dst !== this.address) return;
    let msg: CoapMessage;
    try {
      msg = decodeCoap(d.payload);
    } catch (e) {
      const err = e instanceof DecodeError ? e : new DecodeError('coap', 0, 'internal', `decoder failure: ${String(e)}`);
      this.drop(d, err.reason, err);
      return;
    }
    const from: Peer = { address: d.src, port: d.srcPort };
    const to: Peer = { address: d.dst, port: d.dstPort };
    try {
      if (msg.type === 'ACK' || msg.type === 'RST') this.answer(msg, from, d);
      else if (isRequest(msg)) this.serve(msg, from, to, d);
      else if (msg.code === '0.00') {
        // CoAP ping (CON Empty) is answered with RST (RFC 7252 4.3); a NON Empty means nothing.
        if (msg.type === 'CON') this.sendReply(to.address, from, { type: 'RST', code: '0.00', messageId: msg.messageId });
        else this.drop(d, 'empty NON');
      } else {
        if (msg.type === 'CON') this.sendReply(to.address, from, { type: 'ACK', code: '0.00', messageId: msg.messageId });
        if (this.listenerCount('response') > 0) this.emit('response', msg, from, to);
        else this.drop(d, 'unsolicited response');
      }
    } catch (e) {
      // Only a failing link.send or listener can land here; neither may escape into the link's emit.
      this.drop(d, `internal: ${(e as Error).message}`);
    }
  }

  /** An ACK or RST: the answer to one of our CONs, or a straggler. */
  private answer(msg: CoapMessage, from: Peer, d: Datagram): void {
    const key = exchangeKey(from.address, from.port, msg.messageId);
    const p = this.pending.get(key);
    // '::' on either side is a socket that cannot say which address it used: no misroute is judged.
    if (p !== undefined && d.dst !== p.local && d.dst !== '::' && p.local !== '::') {
      // Bound to '::', this endpoint hears every local address; an answer elsewhere would never
      // reach the server that asked (the load-balancer case, csmp-protocol.md 9), so it is not one.
      this.drop(d, 'misrouted response');
      this.emit('misrouted', msg, from, { address: d.dst, port: d.dstPort } satisfies Peer, p.local);
      return;
    }
    if (p !== undefined) {
      this.clearTimers(p);
      this.pending.delete(key);
      this.finished.set(key, 'answered', this.clock.now());
      if (msg.type === 'RST') p.reject(new CoapResetError(p.describe, p.peer));
      else p.resolve(msg);
      return;
    }
    const before = this.finished.get(key, this.clock.now());
    if (before === 'timed out') {
      this.drop(d, 'late response');
      this.emit('late', msg, from);
    } else if (before === 'answered') {
      this.drop(d, msg.type === 'RST' ? 'duplicate reset' : 'duplicate response');
    } else {
      this.drop(d, msg.type === 'RST' ? 'unmatched reset' : 'unmatched response');
    }
  }

  private serve(req: CoapMessage, from: Peer, to: Peer, d: Datagram): void {
    const key = exchangeKey(from.address, from.port, req.messageId);
    let entry: CachedExchange | undefined;
    if (this.dedup) {
      const now = this.clock.now();
      const seen = this.served.get(key, now);
      if (seen !== undefined) {
        if (sameBytes(seen.request, d.payload)) {
          this.drop(d, 'duplicate');
          this.emit('duplicate', req, from);
          if (seen.reply !== undefined) this.link.send(seen.reply);
          return;
        }
        // A device that rebooted restarts its Message IDs (the reference agent starts at 0):
        // same MID, different bytes is a new request, not a retransmission.
        this.stats.count('message id reused');
      }
      entry = { request: d.payload.slice(), reply: undefined };
      this.served.set(key, entry, now);
    }

    const handler = this.handler;
    if (handler === undefined) {
      this.drop(d, 'no handler');
      if (req.type === 'CON') this.respond(req, from, to, { code: '0.00', reset: true }, entry);
      return;
    }
    let result: ReturnType<RequestHandler>;
    try {
      result = handler(req, from, to);
    } catch (e) {
      this.handlerFailed(e, req, from, to, entry);
      return;
    }
    if (isPromiseLike(result)) {
      result.then(
        (r) => this.respond(req, from, to, r, entry),
        (e: unknown) => this.handlerFailed(e, req, from, to, entry),
      );
    } else {
      this.respond(req, from, to, result, entry);
    }
  }

  private handlerFailed(e: unknown, req: CoapMessage, from: Peer, to: Peer, entry: CachedExchange | undefined): void {
    this.stats.count('handler error');
    this.emit('handlerError', e, req, from);
    // A CON must be acknowledged; a NON failure just goes unanswered.
    if (req.type === 'CON') this.respond(req, from, to, { code: '5.00' }, entry);
  }

  private respond(req: CoapMessage, from: Peer, to: Peer, r: CoapResponse | undefined, entry: CachedExchange | undefined): void {
    if (this.closed || r === undefined) return;
    let init: CoapMessageInit;
    if (r.reset) {
      init = { type: 'RST', code: '0.00', messageId: req.messageId };
    } else if (req.type === 'CON') {
      init = { type: 'ACK', code: r.code, messageId: req.messageId, token: r.token ?? req.token, options: r.options, payload: r.payload };
    } else {
      init = { type: 'NON', code: r.code, messageId: this.allocateMid(), token: r.token ?? req.token, options: r.options, payload: r.payload };
    }
    let reply: Datagram;
    try {
      reply = { src: r.from ?? to.address, dst: from.address, srcPort: this.port, dstPort: from.port, payload: encodeCoap(init) };
    } catch (e) {
      // The handler returned something unencodable (bad code, 9-byte token): its bug, reported as such.
      this.handlerFailed(e, req, from, to, entry);
      return;
    }
    if (entry !== undefined) entry.reply = reply;
    try {
      this.link.send(reply);
    } catch (e) {
      this.stats.count('send failed');
      this.emit('handlerError', e, req, from);
    }
  }

  private sendReply(src: string, dst: Peer, init: CoapMessageInit): void {
    this.link.send({ src, dst: dst.address, srcPort: this.port, dstPort: dst.port, payload: encodeCoap(init) });
  }

  private drop(datagram: Datagram, reason: string, error?: DecodeError): void {
    this.drops.count(reason);
    const info: EndpointDrop = { layer: 'coap', reason, datagram };
    if (error !== undefined) info.error = error;
    this.emit('drop', info);
  }

  private allocateMid(): number {
    const mid = this.nextMid;
    this.nextMid = (mid + 1) & 0xffff;
    return mid;
  }

  private tokenFor(t: CoapRequest['token'], mid: number): Uint8Array {
    if (t instanceof Uint8Array) return t;
    return (t ?? this.tokenPolicy) === 'mid-low-byte' ? Uint8Array.of(mid & 0xff) : new Uint8Array(0);
  }
}

/** 'GET /c?q=2', for error messages and logs. */
export function describeRequest(method: string, uriPath: readonly string[], uriQuery?: readonly string[]): string {
  const m = /^0\.0[1-7]$/.test(method) ? codeName(method).slice(5) : method;
  const q = uriQuery && uriQuery.length > 0 ? `?${uriQuery.join('&')}` : '';
  return `${m} /${uriPath.join('/')}${q}`;
}

function exchangeKey(address: string, port: number, mid: number): string {
  return `${address}|${port}|${mid}`;
}

function isPromiseLike<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | undefined)?.then === 'function';
}
