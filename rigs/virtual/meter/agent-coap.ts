/**
 * CoAP the way the reference agent reads and writes it (csmp-protocol.md 3.1, 3.4, 10.1), not the
 * way RFC 7252 would: the meter must answer malformed input exactly as the agent does, so the
 * strict harness codec (harness/coap/message.ts) is not used on this side.
 *
 * Server side (requests to /c):
 * - the version bits are not checked; any type is processed, only CON gets an answer;
 * - shorter than 4 bytes: ACK 4.00 with Message ID 0; TKL > 8, a token, option or extended
 *   delta/length cut short, option nibble 15, payload marker with nothing after it: ACK 4.00
 *   (CON only) echoing the Message ID and the token bytes read so far (zeros when the token
 *   itself was cut short); TKL > 8 answers with no token (the agent would send stack bytes);
 * - only Uri-Path (11) and Uri-Query (15) are kept, 10 of each; all other options, critical or
 *   not, are skipped; a receive buffer of 1024 bytes truncates longer datagrams.
 * Client side (replies to what the meter sent): a reply shorter than 4 bytes, with TKL ≠ 0, or
 * with a broken option walk is dropped silently; everything else is "the response".
 */
export const RECEIVE_BUFFER = 1024;
const MAX_TKL = 8;
const MAX_SEGMENTS = 10;
const PAYLOAD_MARKER = 0xff;

export const CON = 0;
export const NON = 1;
export const ACK = 2;
export const RST = 3;

export const Code = {
  GET: 0x01,
  POST: 0x02,
  CREATED: 0x41,
  CONTENT: 0x45,
  BAD_REQUEST: 0x80,
  UNAUTHORIZED: 0x81,
  FORBIDDEN: 0x83,
  NOT_FOUND: 0x84,
  METHOD_NOT_ALLOWED: 0x85,
  INTERNAL_ERROR: 0xa0,
} as const;

export interface AgentRequest {
  type: number;
  messageId: number;
  token: Uint8Array;
  code: number;
  path: Uint8Array[];
  query: Uint8Array[];
  payload: Uint8Array;
}

export type RequestParse =
  | { ok: true; request: AgentRequest }
  | { ok: false; type: number; messageId: number; token: Uint8Array; reason: string };

const EMPTY = new Uint8Array(0);

export function parseRequest(datagram: Uint8Array): RequestParse {
  const data = datagram.length > RECEIVE_BUFFER ? datagram.subarray(0, RECEIVE_BUFFER) : datagram;
  const len = data.length;
  if (len < 4) return { ok: false, type: CON, messageId: 0, token: EMPTY, reason: `datagram of ${len} bytes` };
  const type = (data[0]! >> 4) & 3;
  const tkl = data[0]! & 0x0f;
  const messageId = (data[2]! << 8) | data[3]!;
  if (tkl > MAX_TKL) return { ok: false, type, messageId, token: EMPTY, reason: `token length ${tkl}` };
  if (len < 4 + tkl) return { ok: false, type, messageId, token: new Uint8Array(tkl), reason: 'token cut short' };
  const token = data.slice(4, 4 + tkl);
  const fail = (reason: string): RequestParse => ({ ok: false, type, messageId, token, reason });
  const path: Uint8Array[] = [];
  const query: Uint8Array[] = [];
  let pos = 4 + tkl;
  let option = 0;
  while (pos < len && data[pos] !== PAYLOAD_MARKER) {
    let delta = data[pos]! >> 4;
    let olen = data[pos]! & 0x0f;
    pos++;
    if (delta === 13) {
      if (len - pos < 1) return fail('option delta cut short');
      delta = data[pos++]! + 13;
    } else if (delta === 14) {
      if (len - pos < 2) return fail('option delta cut short');
      delta = ((data[pos]! << 8) | data[pos + 1]!) + 269;
      pos += 2;
    } else if (delta === 15) return fail('option delta nibble 15');
    if (olen === 13) {
      if (len - pos < 1) return fail('option length cut short');
      olen = data[pos++]! + 13;
    } else if (olen === 14) {
      if (len - pos < 2) return fail('option length cut short');
      olen = ((data[pos]! << 8) | data[pos + 1]!) + 269;
      pos += 2;
    } else if (olen === 15) return fail('option length nibble 15');
    option += delta;
    if (len - pos < olen) return fail('option value cut short');
    const value = data.subarray(pos, pos + olen);
    if (option === 11 && path.length < MAX_SEGMENTS) path.push(value);
    else if (option === 15 && query.length < MAX_SEGMENTS) query.push(value);
    pos += olen;
  }
  let payload = EMPTY;
  if (pos < len) {
    pos++;
    if (pos === len) return fail('payload marker with no payload');
    payload = data.slice(pos);
  }
  return { ok: true, request: { type, messageId, token, code: data[1]!, path, query, payload } };
}

export interface AgentResponse {
  /** class * 100 + detail, as the agent computes it (2.03 → 203). */
  status: number;
  payload: Uint8Array;
}

export function parseResponse(datagram: Uint8Array): AgentResponse | undefined {
  const data = datagram.length > RECEIVE_BUFFER ? datagram.subarray(0, RECEIVE_BUFFER) : datagram;
  const len = data.length;
  if (len < 4) return undefined;
  const tkl = data[0]! & 0x0f;
  if (tkl > MAX_TKL || len < 4 + tkl || tkl !== 0) return undefined;
  const status = (data[1]! >> 5) * 100 + (data[1]! & 0x1f);
  let pos = 4;
  while (pos < len && data[pos] !== PAYLOAD_MARKER) {
    const delta = data[pos]! >> 4;
    let olen = data[pos]! & 0x0f;
    pos++;
    if (delta === 13) pos += 1;
    else if (delta === 14) pos += 2;
    else if (delta === 15) return undefined;
    if (pos > len) return undefined;
    if (olen === 13) {
      if (len - pos < 1) return undefined;
      olen = data[pos++]! + 13;
    } else if (olen === 14) {
      if (len - pos < 2) return undefined;
      olen = ((data[pos]! << 8) | data[pos + 1]!) + 269;
      pos += 2;
    } else if (olen === 15) return undefined;
    if (len - pos < olen) return undefined;
    pos += olen;
  }
  let payload = EMPTY;
  if (pos < len) {
    pos++;
    if (pos === len) return undefined;
    payload = data.slice(pos);
  }
  return { status, payload };
}

/** The agent's piggybacked answer: ACK, echoed Message ID and token, no options. */
export function buildAck(messageId: number, token: Uint8Array, code: number, body?: Uint8Array): Uint8Array {
  const hasBody = body !== undefined && body.length > 0;
  const out = new Uint8Array(4 + token.length + (hasBody ? 1 + body.length : 0));
  out[0] = 0x40 | (ACK << 4) | token.length;
  out[1] = code;
  out[2] = messageId >> 8;
  out[3] = messageId & 0xff;
  out.set(token, 4);
  if (hasBody) {
    out[4 + token.length] = PAYLOAD_MARKER;
    out.set(body, 5 + token.length);
  }
  return out;
}

/** A request the agent originates: POST to `/r` or `/c` (one one-letter Uri-Path segment). */
export function buildPost(type: number, messageId: number, token: Uint8Array, resource: 'r' | 'c', body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + token.length + 2 + (body.length > 0 ? 1 + body.length : 0));
  out[0] = 0x40 | (type << 4) | token.length;
  out[1] = Code.POST;
  out[2] = (messageId >> 8) & 0xff;
  out[3] = messageId & 0xff;
  out.set(token, 4);
  let pos = 4 + token.length;
  out[pos++] = 0xb1; // Uri-Path (delta 11), length 1
  out[pos++] = resource.charCodeAt(0);
  if (body.length > 0) {
    out[pos++] = PAYLOAD_MARKER;
    out.set(body, pos);
  }
  return out;
}

export function text(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}
