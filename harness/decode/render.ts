/** Text and JSON views of decoded CSMP messages, for `hil decode`, `hil request` and reports. */
import { codeName } from '../coap/codes.js';
import { parseSignatureValue } from '../csmp/asn1.js';
import { writeTlvText } from '../csmp/format.js';
import { ByteWriter } from '../../core/byte-writer.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { DecodedTlv } from '../csmp/value.js';
import { toHex } from '../../core/bytes.js';
import { DecodeError } from '../../core/errors.js';
import { toJson } from '../csmp/value.js';
import type { CsmpMessage } from './message.js';

export interface MessageContext {
  /** 1-based frame number in a capture. */
  frame?: number;
  /** ms since the epoch. */
  time?: number;
}

export function renderText(m: CsmpMessage, ctx: MessageContext = {}): string {
  const w = new ByteWriter();
  writeText(w, m, ctx);
  return w.toString();
}

/** renderText's lines (no final newline) written into `w`: how `hil decode` prints a capture. */
export function writeText(w: ByteWriter, m: CsmpMessage, ctx: MessageContext): void {
  const start = w.pos;
  if (ctx.frame !== undefined) {
    w.byte(0x23);
    w.number(ctx.frame);
  }
  if (ctx.time !== undefined) {
    gap(w, start, 0x20);
    w.text(captureTimeText(ctx.time));
  }
  if (m.src !== undefined) {
    gap(w, start, 0x20);
    w.byte(0x5b);
    w.text(m.src);
    w.ascii(']:');
    port(w, m.srcPort);
    w.ascii(' -> [');
    w.text(String(m.dst));
    w.ascii(']:');
    port(w, m.dstPort);
  }
  if (m.udpChecksumOk === false) {
    gap(w, start, 0x20);
    w.ascii('(udp checksum incorrect)');
  }
  if (m.coap) {
    const c = m.coap;
    gap(w, start, 0x0a);
    w.ascii('  ');
    w.text(c.type);
    w.byte(0x20);
    w.text(codeName(c.code));
    w.ascii(' MID ');
    w.number(c.messageId);
    if (c.token.length) {
      w.ascii(' token ');
      w.hex(c.token);
    }
    for (let i = 0; i < c.uriPath.length; i++) {
      w.ascii(i === 0 ? ' /' : '/');
      w.text(c.uriPath[i]!);
    }
    for (let i = 0; i < c.uriQuery.length; i++) {
      w.byte(i === 0 ? 0x3f : 0x26);
      w.text(c.uriQuery[i]!);
    }
    if (c.payload.length) {
      w.ascii(' (');
      w.number(c.payload.length);
      w.ascii('-byte payload)');
    }
  }
  for (const t of m.tlvs) {
    gap(w, start, 0x0a);
    w.ascii('    ');
    writeTlvText(w, t);
    if (t.type === TLV.Signature) w.text(signatureNote(t));
  }
  if (m.error) {
    gap(w, start, 0x0a);
    w.ascii('  ! ');
    w.text(m.error.message);
  }
}

/** A space between parts of the head, a newline between lines: nothing before the first. */
function gap(w: ByteWriter, start: number, c: number): void {
  if (w.pos > start) w.byte(c);
}

function port(w: ByteWriter, p: number | undefined): void {
  if (p === undefined) w.byte(0x3f);
  else w.number(p);
}

export function renderJson(m: CsmpMessage, ctx: MessageContext = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (ctx.frame !== undefined) out.frame = ctx.frame;
  if (ctx.time !== undefined) {
    if (isDateMs(ctx.time)) out.time = isoTime(ctx.time);
    // Outside what a date can say: the raw figure, so a reader still sees what the file holds.
    else out.timeMs = Number.isFinite(ctx.time) ? ctx.time : String(ctx.time);
  }
  if (m.src !== undefined) Object.assign(out, { src: m.src, dst: m.dst });
  if (m.srcPort !== undefined) Object.assign(out, { srcPort: m.srcPort, dstPort: m.dstPort, udpChecksumOk: m.udpChecksumOk });
  if (m.coap) {
    const c = m.coap;
    out.coap = { type: c.type, code: c.code, messageId: c.messageId, token: toHex(c.token), uriPath: c.uriPath, uriQuery: c.uriQuery };
  }
  out.tlvs = m.tlvs.map((t) => {
    const { id: _id, offset: _offset, ...rest } = toJson(t);
    return t.vendor ? { ...rest, vendor: t.vendor.pen, vendorType: t.vendor.vendorType } : rest;
  });
  if (m.error) out.error = { layer: m.error.layer, offset: m.error.offset, code: m.error.code, reason: m.error.reason };
  return out;
}

/** JavaScript dates span ±8.64e15 ms around 1970 (ECMA-262 21.4.1.1); a capture's clock need not. */
export function isDateMs(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15;
}

/**
 * A capture timestamp as text: ISO 8601 when it is a date, else the raw figure. A pcapng with
 * if_tsresol 0 and a large if_tsoffset (or all-ones timestamp bytes) is valid and tshark reads it;
 * its time is simply not a date JavaScript can print.
 */
export function captureTimeText(ms: number): string {
  if (isDateMs(ms)) return isoTime(ms);
  return Number.isFinite(ms) ? `t=${ms / 1000} s since 1970 (outside the date range)` : 'time unreadable';
}

let cachedSecond = NaN;
let cachedPrefix = '';

/**
 * Date#toISOString, with the text up to the second kept from the frame before: a capture's frames
 * come many to a second, and formatting the date was a twentieth of a gigabyte decode.
 */
export function isoTime(ms: number): string {
  // Four-digit years only: the prefix of other years has another length.
  if (ms < 0 || ms >= 253402300800000) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const milli = Math.floor(ms - second * 1000);
  return `${cachedPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

/** A Signature TLV is only useful to a reader with its ASN.1 wrapping spelled out (doc 7.2). */
function signatureNote(t: DecodedTlv): string {
  const value = t.type === TLV.Signature ? t.value?.value : undefined;
  if (!(value instanceof Uint8Array)) return '';
  try {
    const sig = parseSignatureValue(value);
    const alg = sig.oid === ECDSA_WITH_SHA256 ? 'ecdsa-with-SHA256' : `OID ${sig.oid}`;
    return `\n      ASN.1: SEQUENCE { ${alg}, BIT STRING { SEQUENCE { r ${sig.r.length} bytes ${toHex(sig.r)}, s ${sig.s.length} bytes ${toHex(sig.s)} } } }`;
  } catch (e) {
    if (e instanceof DecodeError) return `\n      ASN.1: ! ${e.message}`;
    throw e;
  }
}
