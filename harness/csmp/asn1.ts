/**
 * The DER wrapper inside the Signature TLV (doc 7.2):
 *
 *   30 L1                              SEQUENCE
 *      06 08 2a 86 48 ce 3d 04 03 02    OID ecdsa-with-SHA256, directly in the SEQUENCE
 *      03 L2 00                         BIT STRING, 0 unused bits, holding:
 *         30 L3 02 Lr <r> 02 Ls <s>     ECDSA-Sig-Value
 *
 * Short-form lengths only and at most 88 bytes in all (the agent's buffer). The parser is
 * strict DER — exact lengths, minimal positive INTEGERs, no trailing bytes — because a
 * certification suite must be able to say which byte of a wrapper is wrong; the reference
 * agent itself checks much less (it skips the OID unread).
 */
import { toHex } from '../../core/bytes.js';
import { DecodeError } from '../../core/errors.js';

export const ECDSA_WITH_SHA256_OID = '1.2.840.10045.4.3.2';
export const MAX_SIGNATURE_VALUE_BYTES = 88;
/** P-256 group order n (FIPS 186-4 D.1.2.3): a valid signature's r and s lie in [1, n-1]. */
export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const SEQUENCE = 0x30;
const OBJECT_IDENTIFIER = 0x06;
const BIT_STRING = 0x03;
const INTEGER = 0x02;

export interface SignatureValue {
  /** Dotted OID as found (not checked against ecdsa-with-SHA256 here). */
  readonly oid: string;
  /** INTEGER content bytes as on the wire, including a leading 00 when the top bit is set. */
  readonly r: Uint8Array;
  readonly s: Uint8Array;
  /** The ECDSA-Sig-Value SEQUENCE (what node:crypto verifies with dsaEncoding 'der'). */
  readonly ecdsaDer: Uint8Array;
}

/** Parses a Signature.value; offsets in errors count from the value's first byte. */
export function parseSignatureValue(value: Uint8Array): SignatureValue {
  if (value.length > MAX_SIGNATURE_VALUE_BYTES) {
    throw new DecodeError('asn1', MAX_SIGNATURE_VALUE_BYTES, 'too-large', `signature value is ${value.length} bytes, at most ${MAX_SIGNATURE_VALUE_BYTES} allowed`);
  }
  // Contents first, left-over bytes last: a length that is too short then shows up as the
  // element it cut, which says more than "n bytes left over".
  const outer = element(value, 0, SEQUENCE, 'signature SEQUENCE');
  const oidEl = element(value, outer.start, OBJECT_IDENTIFIER, 'algorithm OID', outer.end);
  const oid = decodeOid(value, oidEl.start, oidEl.end);
  const bits = element(value, oidEl.end, BIT_STRING, 'BIT STRING', outer.end);
  if (bits.start >= bits.end) throw new DecodeError('asn1', bits.start, 'bad-value', 'BIT STRING has no unused-bits byte');
  if (value[bits.start] !== 0) throw new DecodeError('asn1', bits.start, 'bad-value', `BIT STRING declares ${value[bits.start]} unused bits, expected 0`);
  const sigStart = bits.start + 1;
  const { r, s, end: sigEnd } = parseEcdsaDer(value, sigStart, bits.end);
  end(value, sigEnd, bits.end, 'BIT STRING');
  end(value, bits.end, outer.end, 'signature SEQUENCE');
  end(value, outer.end, value.length, 'signature value');
  return { oid, r, s, ecdsaDer: value.subarray(sigStart, sigEnd) };
}

/** Wraps an ECDSA DER signature (as node:crypto makes it) into a Signature.value. */
export function buildSignatureValue(ecdsaDer: Uint8Array, oid = ECDSA_WITH_SHA256_OID): Uint8Array {
  try {
    const { end: sigEnd } = parseEcdsaDer(ecdsaDer, 0, ecdsaDer.length);
    end(ecdsaDer, sigEnd, ecdsaDer.length, 'ECDSA signature');
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    throw new RangeError(`not a DER ECDSA-Sig-Value: ${e.message}`);
  }
  const oidBytes = encodeOid(oid);
  const bitString = 1 + ecdsaDer.length;
  const inner = 2 + oidBytes.length + 2 + bitString;
  if (oidBytes.length > 127 || bitString > 127 || inner > 127 || 2 + inner > MAX_SIGNATURE_VALUE_BYTES) {
    throw new RangeError(`signature value would take ${2 + inner} bytes; short-form lengths and ${MAX_SIGNATURE_VALUE_BYTES} bytes at most`);
  }
  return Uint8Array.from([
    SEQUENCE, inner,
    OBJECT_IDENTIFIER, oidBytes.length, ...oidBytes,
    BIT_STRING, bitString, 0, ...ecdsaDer,
  ]);
}

/** r and s (INTEGER contents as on the wire) of an ECDSA-Sig-Value read as strict DER, nothing after it. */
export function parseEcdsaSigValue(der: Uint8Array): { r: Uint8Array; s: Uint8Array } {
  const { r, s, end: sigEnd } = parseEcdsaDer(der, 0, der.length);
  end(der, sigEnd, der.length, 'ECDSA signature');
  return { r, s };
}

/** `30 L 02 Lr r 02 Ls s` from INTEGER contents (leading 00 added or trimmed as DER needs). */
export function ecdsaDerFromIntegers(r: Uint8Array, s: Uint8Array): Uint8Array {
  const ri = derInteger(r);
  const si = derInteger(s);
  const body = ri.length + si.length;
  if (body > 127) throw new RangeError('ECDSA-Sig-Value too long for a short-form length');
  return Uint8Array.from([SEQUENCE, body, ...ri, ...si]);
}

function parseEcdsaDer(bytes: Uint8Array, from: number, to: number): { r: Uint8Array; s: Uint8Array; end: number } {
  const seq = element(bytes, from, SEQUENCE, 'ECDSA-Sig-Value', to);
  const r = integer(bytes, seq.start, seq.end, 'r');
  const s = integer(bytes, r.end, seq.end, 's');
  end(bytes, s.end, seq.end, 'ECDSA-Sig-Value');
  return { r: bytes.subarray(r.start, r.end), s: bytes.subarray(s.start, s.end), end: seq.end };
}

interface Element {
  /** First content byte. */
  readonly start: number;
  /** One past the last content byte. */
  readonly end: number;
}

function element(bytes: Uint8Array, at: number, tag: number, what: string, limit = bytes.length): Element {
  if (at >= limit) throw new DecodeError('asn1', at, 'truncated', `${what} missing`);
  if (bytes[at] !== tag) {
    throw new DecodeError('asn1', at, 'bad-value', `${what}: expected tag ${hex(tag)}, found ${hex(bytes[at]!)}`);
  }
  if (at + 1 >= limit) throw new DecodeError('asn1', at + 1, 'truncated', `${what}: length missing`);
  const len = bytes[at + 1]!;
  if (len >= 0x80) throw new DecodeError('asn1', at + 1, 'bad-value', `${what}: long-form length ${hex(len)} not allowed`);
  const start = at + 2;
  if (start + len > limit) {
    throw new DecodeError('asn1', at + 1, 'truncated', `${what}: length ${len} runs past the end (${limit - start} bytes left)`);
  }
  return { start, end: start + len };
}

function end(bytes: Uint8Array, at: number, expected: number, what: string): void {
  if (at !== expected) {
    throw new DecodeError('asn1', at, 'trailing-bytes', `${expected - at} bytes left over inside ${what}`);
  }
}

function integer(bytes: Uint8Array, at: number, limit: number, what: string): Element {
  const el = element(bytes, at, INTEGER, `INTEGER ${what}`, limit);
  const len = el.end - el.start;
  if (len === 0) throw new DecodeError('asn1', at + 1, 'bad-value', `INTEGER ${what} is empty`);
  const first = bytes[el.start]!;
  if (first & 0x80) throw new DecodeError('asn1', el.start, 'bad-value', `INTEGER ${what} is negative`);
  if (len > 1 && first === 0 && !(bytes[el.start + 1]! & 0x80)) {
    throw new DecodeError('asn1', el.start, 'bad-value', `INTEGER ${what} has a superfluous leading 00`);
  }
  return el;
}

function decodeOid(bytes: Uint8Array, from: number, to: number): string {
  if (from === to) throw new DecodeError('asn1', from, 'bad-value', 'OID is empty');
  const arcs: number[] = [];
  let arc = 0;
  let arcStart = from;
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    if (i === arcStart && b === 0x80) throw new DecodeError('asn1', i, 'bad-value', 'OID arc has a superfluous leading 80');
    arc = arc * 128 + (b & 0x7f);
    if (arc > Number.MAX_SAFE_INTEGER) throw new DecodeError('asn1', arcStart, 'too-large', 'OID arc too large');
    if (!(b & 0x80)) {
      arcs.push(arc);
      arc = 0;
      arcStart = i + 1;
    }
  }
  if (arcStart !== to) throw new DecodeError('asn1', arcStart, 'truncated', 'OID ends inside an arc');
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

function encodeOid(oid: string): number[] {
  const arcs = oid.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0) || arcs[0]! > 2 || (arcs[0]! < 2 && arcs[1]! > 39)) {
    throw new RangeError(`not an OID: ${oid}`);
  }
  const out: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const groups = [arc % 128];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) groups.unshift((rest % 128) | 0x80);
    out.push(...groups);
  }
  return out;
}

function derInteger(bytes: Uint8Array): number[] {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const body = Array.from(bytes.subarray(i));
  if (body.length === 0) body.push(0);
  if (body[0]! & 0x80) body.unshift(0);
  return [INTEGER, body.length, ...body];
}

function hex(b: number): string {
  return toHex(Uint8Array.of(b));
}
