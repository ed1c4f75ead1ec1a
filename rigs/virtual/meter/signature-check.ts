/**
 * The agent's check of a signed NMS message (csmp-protocol.md 7.2-7.5), with the counters of
 * CGMSStats moving exactly where the reference agent moves them:
 *
 *   signatures not required           → 'unchecked' (nothing read, nothing counted)
 *   no Signature TLV                  → 'missing'   (POST: 4.03 on the first non-exempt TLV)
 *   Signature/Validity does not decode, validity required but absent → 'error', no counter
 *   value longer than the agent's 88-byte buffer → sigBadAuth (not stored)
 *   value not `30 .. 06 <oid> 03 .. ..` → sigBadAuth
 *   clock unreadable                  → sigNoSync
 *   now outside the stored window     → sigBadValidity   (checked before ECDSA)
 *   ECDSA fails (or no usable key)    → sigBadAuth   (strict DER: bytes after the signature fail)
 *   verified                          → sigOk
 * The Signature and SignatureValidity of every checked message are stored (GET 76/77 read them
 * back), and the window tested is the stored one: with the validity check off, the last window
 * ever received still applies (doc 7.4).
 *
 * An over-long value: the reference agent memcpy()s the whole value into its 88-byte buffer
 * without a bound (doc 7.2: an overflow) and hands all of it, to its end, to the verifier, so
 * nothing past the 88th byte is ever dropped. The healthy meter neither overflows nor truncates:
 * it refuses the value as a bad signature and keeps the one it had.
 */
import { verify, type KeyObject } from 'node:crypto';
import { looseEcdsaToP1363 } from './loose-der.js';
import { ecdsaDerFromIntegers, P256_ORDER, parseEcdsaSigValue } from '../../../harness/csmp/asn1.js';
import { DecodeError } from '../../../core/errors.js';
import { decodeValue } from '../../../harness/csmp/value.js';
import { TLV } from '../../../harness/csmp/tlv-ids.js';
import { findTlv, type AgentTl } from './agent-tlv.js';
import { ClockUnreadable } from './device-time.js';
import type { AgentStats } from './stats.js';

/** The agent's buffer for the value (csmp_signature.c: `uint8_t signature_data[88]`). */
const SIGNATURE_MAX = 88;

export type SignatureOutcome = 'unchecked' | 'missing' | 'error' | 'ok';

export interface SignaturePolicy {
  requireSigned: boolean;
  requireValidity: boolean;
  /** Fault models. */
  ignoreValidity: boolean;
  acceptBadSignature: boolean;
  ignoreNotAfter?: boolean;
  ignoreNotBefore?: boolean;
  /** Seconds before notBefore the window already counts as open (not-before-leeway). */
  notBeforeLeewayS?: number;
  lenientDer?: boolean;
  reduceModN?: boolean;
  replayCache?: boolean;
}

/** What the agent remembers between messages (RAM: lost at reboot). */
export interface SignatureMemory {
  signature?: Uint8Array;
  notBefore?: number;
  notAfter?: number;
  /** accept-replay: hex of every signature that verified once. */
  verified?: Set<string>;
}

export interface SignatureCheck {
  outcome: SignatureOutcome;
  /** The Signature TLV when one was found: the signed bytes end at its first byte. */
  signatureTlv?: AgentTl;
}

export function checkSignature(
  payload: Uint8Array,
  policy: SignaturePolicy,
  memory: SignatureMemory,
  key: KeyObject | undefined,
  nowSec: () => number,
  stats: AgentStats,
): SignatureCheck {
  if (!policy.requireSigned) return { outcome: 'unchecked' };
  const sigTlv = findTlv(payload, TLV.Signature);
  if (!sigTlv) return { outcome: 'missing' };
  const sig = decodeValue({ type: TLV.Signature, value: payload.subarray(sigTlv.valueStart, sigTlv.end) });
  if (!sig.value) return { outcome: 'error', signatureTlv: sigTlv };
  const value = sig.value['value'];
  const overLong = value instanceof Uint8Array && value.length > SIGNATURE_MAX;
  if (value instanceof Uint8Array && !overLong) memory.signature = value.slice();

  if (policy.requireValidity) {
    const vTlv = findTlv(payload, TLV.SignatureValidity);
    if (!vTlv) return { outcome: 'error', signatureTlv: sigTlv };
    const v = decodeValue({ type: TLV.SignatureValidity, value: payload.subarray(vTlv.valueStart, vTlv.end) });
    if (!v.value) return { outcome: 'error', signatureTlv: sigTlv };
    if (typeof v.value['notBefore'] === 'number') memory.notBefore = v.value['notBefore'];
    if (typeof v.value['notAfter'] === 'number') memory.notAfter = v.value['notAfter'];
  }

  if (overLong) {
    stats.sigBadAuth++;
    return { outcome: 'error', signatureTlv: sigTlv };
  }

  let ecdsa: Uint8Array | undefined;
  if (memory.signature) {
    ecdsa = ecdsaSigValue(memory.signature);
    if (!ecdsa) {
      stats.sigBadAuth++;
      return { outcome: 'error', signatureTlv: sigTlv };
    }
  }

  let now: number;
  try {
    now = nowSec();
  } catch (e) {
    if (!(e instanceof ClockUnreadable)) throw e;
    stats.sigNoSync++;
    return { outcome: 'error', signatureTlv: sigTlv };
  }

  const seenBefore = policy.replayCache === true && memory.signature !== undefined && memory.verified?.has(hex(memory.signature)) === true;
  const inWindow =
    policy.ignoreValidity ||
    seenBefore ||
    (memory.notBefore !== undefined &&
      (policy.ignoreNotBefore === true || memory.notBefore <= now + (policy.notBeforeLeewayS ?? 0)) &&
      memory.notAfter !== undefined &&
      (policy.ignoreNotAfter === true || memory.notAfter >= now));
  if (!inWindow) {
    stats.sigBadValidity++;
    return { outcome: 'error', signatureTlv: sigTlv };
  }
  const signed = payload.subarray(0, sigTlv.start);
  const good =
    ecdsa !== undefined &&
    (policy.acceptBadSignature ||
      seenBefore ||
      verifies(signed, ecdsa, key) ||
      (policy.lenientDer === true && verifiesLeniently(signed, ecdsa, key)) ||
      (policy.reduceModN === true && verifiesReducedModN(signed, ecdsa, key)));
  if (good) {
    if (policy.replayCache && memory.signature) (memory.verified ??= new Set()).add(hex(memory.signature));
    stats.sigOk++;
    return { outcome: 'ok', signatureTlv: sigTlv };
  }
  stats.sigBadAuth++;
  return { outcome: 'error', signatureTlv: sigTlv };
}

/**
 * The agent's walk to the ECDSA-Sig-Value: `30`, skip one length byte, `06`, skip the OID by
 * its length without looking at it, `03`, skip length and unused-bits bytes; the rest is the
 * DER signature. Out-of-range reads (the C code has no bounds) count as a bad signature here.
 */
export function ecdsaSigValue(value: Uint8Array): Uint8Array | undefined {
  let p = 0;
  if (value[p++] !== 0x30) return undefined;
  p++;
  if (value[p++] !== 0x06) return undefined;
  const idLen = value[p++];
  if (idLen === undefined) return undefined;
  p += idLen;
  if (value[p++] !== 0x03) return undefined;
  p += 2;
  if (p > value.length) return undefined;
  return value.subarray(p);
}

function verifies(signed: Uint8Array, derSig: Uint8Array, key: KeyObject | undefined): boolean {
  if (!key) return false;
  try {
    return verify('sha256', signed, { key, dsaEncoding: 'der' }, derSig);
  } catch {
    return false;
  }
}

/** accept-malformed-der: r and s read from a loosely parsed DER, verified as they are. */
function verifiesLeniently(signed: Uint8Array, derSig: Uint8Array, key: KeyObject | undefined): boolean {
  const p1363 = looseEcdsaToP1363(derSig);
  if (!key || !p1363) return false;
  try {
    return verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, p1363);
  } catch {
    return false;
  }
}

/**
 * signature-values-reduced-mod-n: a strict DER signature whose r and s are reduced mod n, then
 * verified (re-encoded as DER, node:crypto) — no refusal of r or s not below n. Zero after the
 * reduction still fails, as it does in every verifier.
 */
function verifiesReducedModN(signed: Uint8Array, derSig: Uint8Array, key: KeyObject | undefined): boolean {
  if (!key) return false;
  let rs: { r: Uint8Array; s: Uint8Array };
  try {
    rs = parseEcdsaSigValue(derSig);
  } catch (e) {
    if (e instanceof DecodeError) return false;
    throw e;
  }
  const r = bigOf(rs.r) % P256_ORDER;
  const s = bigOf(rs.s) % P256_ORDER;
  if (r === 0n || s === 0n) return false;
  try {
    return verify('sha256', signed, { key, dsaEncoding: 'der' }, ecdsaDerFromIntegers(bytesOf(r), bytesOf(s)));
  } catch {
    return false;
  }
}

function bigOf(b: Uint8Array): bigint {
  return b.length ? BigInt(`0x${hex(b)}`) : 0n;
}

function bytesOf(v: bigint): Uint8Array {
  const h = v.toString(16);
  return Buffer.from(h.length % 2 ? `0${h}` : h, 'hex');
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
