/**
 * `hil decode --json`'s line for one message: exactly JSON.stringify(renderJson(m, ctx)), written
 * as bytes (ByteWriter) instead of built as an object and serialised, which was half of a `--json`
 * decode. Text of unknown content (device strings, names, reasons, URI segments) is escaped as
 * JSON.stringify escapes it; what the decoder makes itself (hex, addresses, numbers) goes in as
 * is. The tests hold the two equal on the reference captures and on generated messages.
 */
import type { DecodedTlv, FieldMap } from '../csmp/value.js';
import type { DecodeError } from '../../core/errors.js';
import { ByteWriter } from '../../core/byte-writer.js';
import type { CsmpMessage } from './message.js';
import { isDateMs, isoTime, type MessageContext } from './render.js';

/** The line as a string (the CLI writes the bytes; this is for callers that want text). */
export function renderJsonLine(m: CsmpMessage, ctx: MessageContext = {}): string {
  const w = new ByteWriter();
  writeJsonLine(w, m, ctx);
  return w.toString();
}

export function writeJsonLine(w: ByteWriter, m: CsmpMessage, ctx: MessageContext): void {
  w.byte(0x7b);
  let sep = false;
  if (ctx.frame !== undefined) {
    num(w, '"frame":', ctx.frame);
    sep = true;
  }
  if (ctx.time !== undefined) {
    if (sep) w.byte(0x2c);
    if (isDateMs(ctx.time)) {
      w.ascii('"time":"');
      w.ascii(isoTime(ctx.time));
      w.byte(0x22);
    } else {
      w.ascii('"timeMs":');
      if (Number.isFinite(ctx.time)) w.number(ctx.time);
      else w.jsonString(String(ctx.time));
    }
    sep = true;
  }
  if (m.src !== undefined) {
    if (sep) w.byte(0x2c);
    str(w, '"src":', m.src);
    if (m.dst !== undefined) str(w, ',"dst":', m.dst);
    sep = true;
  }
  if (m.srcPort !== undefined) {
    if (sep) w.byte(0x2c);
    num(w, '"srcPort":', m.srcPort);
    if (m.dstPort !== undefined) num(w, ',"dstPort":', m.dstPort);
    if (m.udpChecksumOk !== undefined) w.ascii(m.udpChecksumOk ? ',"udpChecksumOk":true' : ',"udpChecksumOk":false');
    sep = true;
  }
  if (m.coap) {
    const c = m.coap;
    if (sep) w.byte(0x2c);
    str(w, '"coap":{"type":', c.type);
    str(w, ',"code":', c.code);
    num(w, ',"messageId":', c.messageId);
    w.ascii(',"token":"');
    w.hex(c.token);
    w.ascii('","uriPath":');
    strings(w, c.uriPath);
    w.ascii(',"uriQuery":');
    strings(w, c.uriQuery);
    w.byte(0x7d);
    sep = true;
  }
  if (sep) w.byte(0x2c);
  w.ascii('"tlvs":[');
  for (let i = 0; i < m.tlvs.length; i++) {
    if (i > 0) w.byte(0x2c);
    tlv(w, m.tlvs[i]!);
  }
  w.byte(0x5d);
  if (m.error) {
    w.ascii(',"error":');
    error(w, m.error);
  }
  w.byte(0x7d);
}

function tlv(w: ByteWriter, t: DecodedTlv): void {
  num(w, '{"type":', t.type);
  str(w, ',"name":', t.name);
  if (t.value) {
    w.ascii(',"value":');
    fields(w, t.value);
  }
  w.ascii(',"raw":"');
  w.hex(t.raw);
  w.byte(0x22);
  if (t.error) {
    w.ascii(',"error":');
    error(w, t.error);
  }
  if (t.vendor) {
    num(w, ',"vendor":', t.vendor.pen);
    num(w, ',"vendorType":', t.vendor.vendorType);
  }
  w.byte(0x7d);
}

function error(w: ByteWriter, e: DecodeError): void {
  str(w, '{"layer":', e.layer);
  num(w, ',"offset":', e.offset);
  str(w, ',"code":', e.code);
  str(w, ',"reason":', e.reason);
  w.byte(0x7d);
}

/** valueToJson's object: keys in insertion order, undefined members left out. */
function fields(w: ByteWriter, value: FieldMap): void {
  w.byte(0x7b);
  let first = true;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = value[k];
    if (v === undefined) continue;
    if (!first) w.byte(0x2c);
    w.jsonString(k);
    w.byte(0x3a);
    json(w, v);
    first = false;
  }
  w.byte(0x7d);
}

/** jsonOf's value: bytes as hex, bigint as decimal text, a non-finite number as its name. */
function json(w: ByteWriter, v: unknown): void {
  if (typeof v === 'number') {
    if (Number.isFinite(v)) w.number(v);
    else w.jsonString(String(v));
  } else if (typeof v === 'string') {
    w.jsonString(v);
  } else if (typeof v === 'boolean') {
    w.ascii(v ? 'true' : 'false');
  } else if (v instanceof Uint8Array) {
    w.byte(0x22);
    w.hex(v);
    w.byte(0x22);
  } else if (typeof v === 'bigint') {
    w.jsonString(v.toString());
  } else if (Array.isArray(v)) {
    w.byte(0x5b);
    for (let i = 0; i < v.length; i++) {
      if (i > 0) w.byte(0x2c);
      if (v[i] === undefined) w.ascii('null');
      else json(w, v[i]);
    }
    w.byte(0x5d);
  } else if (v === null) {
    w.ascii('null');
  } else if (typeof v === 'object') {
    fields(w, v as FieldMap);
  } else {
    w.utf8(JSON.stringify(v) ?? 'null');
  }
}

/** A member whose name (with its comma and colon) the caller spells: a number. */
function num(w: ByteWriter, key: string, n: number): void {
  w.ascii(key);
  w.number(n);
}

/** A member whose name the caller spells: a string, escaped as JSON.stringify escapes it. */
function str(w: ByteWriter, key: string, s: string): void {
  w.ascii(key);
  w.jsonString(s);
}

function strings(w: ByteWriter, a: readonly string[]): void {
  w.byte(0x5b);
  for (let i = 0; i < a.length; i++) {
    if (i > 0) w.byte(0x2c);
    w.jsonString(a[i]!);
  }
  w.byte(0x5d);
}
