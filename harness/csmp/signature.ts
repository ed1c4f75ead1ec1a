/**
 * CSMP message signatures (doc 7): ECDSA P-256 / SHA-256 over the payload bytes before the
 * Signature TLV, with a SignatureValidity window checked first.
 *
 * Outcomes follow the reference agent's counters (doc 7.5): ok → sigOk, badAuth (malformed
 * wrapper or failed ECDSA) → sigBadAuth, badValidity → sigBadValidity. missingValidity and
 * missingSignature count nothing in TLV 45 but answer 4.01 / 4.03.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { DecodeError } from '../../core/errors.js';
import { ECDSA_WITH_SHA256_OID, buildSignatureValue, parseSignatureValue } from './asn1.js';
import { publicKeyFrom, type PublicKeyInput } from './keys.js';
import { decodeTlvs, encodeTlvs, type Tlv, type TlvEncodeOptions } from './tlv.js';
import { TLV } from './tlv-ids.js';
import { decodeValue, encodeValue } from './value.js';

export type SignatureCheck =
  | { readonly outcome: 'ok' }
  | { readonly outcome: 'badAuth'; readonly reason: string; readonly error?: DecodeError }
  | { readonly outcome: 'badValidity'; readonly reason: string; readonly notBefore: number; readonly notAfter: number; readonly now: number }
  | { readonly outcome: 'missingValidity'; readonly reason: string }
  | { readonly outcome: 'missingSignature'; readonly reason: string };

export type SignatureOutcome = SignatureCheck['outcome'];
export type ValidityCheck = Extract<SignatureCheck, { outcome: 'ok' | 'badValidity' | 'missingValidity' }>;

export interface SignatureValidity {
  readonly notBefore?: number;
  readonly notAfter?: number;
}

export interface VerifyOptions {
  /**
   * Reject a wrapper whose OID is not ecdsa-with-SHA256. Default true: the draft asks for it
   * (doc 11, item 18); the reference agent skips the OID unread, so a model of it passes false.
   */
  readonly checkAlgorithm?: boolean;
}

/** CGMSStats counter an outcome increments, if any. */
export function signatureCounter(outcome: SignatureOutcome): 'sigOk' | 'sigBadAuth' | 'sigBadValidity' | undefined {
  switch (outcome) {
    case 'ok':
      return 'sigOk';
    case 'badAuth':
      return 'sigBadAuth';
    case 'badValidity':
      return 'sigBadValidity';
    default:
      return undefined;
  }
}

/** The first standard TLV 77 of a payload. */
export function signatureTlv(tlvs: readonly Tlv[]): Tlv | undefined {
  return tlvs.find((t) => t.type === TLV.Signature && !t.vendor);
}

/** The bytes the signature covers: the payload up to the Signature TLV's type byte (doc 7.1). */
export function signedBytes(payload: Uint8Array, tlvs: readonly Tlv[]): Uint8Array | undefined {
  const sig = signatureTlv(tlvs);
  return sig ? payload.subarray(0, sig.offset) : undefined;
}

/** Signs `prefix` and returns the Signature.value DER wrapper (doc 7.2). node:crypto draws a random nonce. */
export function signPayload(prefix: Uint8Array, privateKey: KeyObject): Uint8Array {
  const der = sign('sha256', prefix, { key: privateKey, dsaEncoding: 'der' });
  return buildSignatureValue(der);
}

/** `prefix` followed by its Signature TLV: a ready signed payload. */
export function appendSignature(prefix: Uint8Array, privateKey: KeyObject, opts: TlvEncodeOptions): Uint8Array {
  return appendSignatureValue(prefix, signPayload(prefix, privateKey), opts);
}

/** `prefix` followed by a Signature TLV carrying `signatureValue` (a Signature.value wrapper made elsewhere: an HSM). */
export function appendSignatureValue(prefix: Uint8Array, signatureValue: Uint8Array, opts: TlvEncodeOptions): Uint8Array {
  const value = encodeValue(TLV.Signature, { value: signatureValue });
  const tlv = encodeTlvs([{ type: TLV.Signature, value }], opts);
  const out = new Uint8Array(prefix.length + tlv.length);
  out.set(prefix, 0);
  out.set(tlv, prefix.length);
  return out;
}

/**
 * ECDSA check of `prefix` against a Signature.value wrapper. Bad input gives badAuth; an
 * unusable key throws TypeError (a setup fault, not the device's).
 */
export function verifySignature(
  prefix: Uint8Array,
  signatureValue: Uint8Array,
  key: PublicKeyInput,
  opts?: VerifyOptions,
): Extract<SignatureCheck, { outcome: 'ok' | 'badAuth' }> {
  const publicKey = publicKeyFrom(key);
  let parsed;
  try {
    parsed = parseSignatureValue(signatureValue);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { outcome: 'badAuth', reason: `malformed signature value: ${e.message}`, error: e };
  }
  if ((opts?.checkAlgorithm ?? true) && parsed.oid !== ECDSA_WITH_SHA256_OID) {
    return { outcome: 'badAuth', reason: `algorithm ${parsed.oid} is not ecdsa-with-SHA256` };
  }
  let good = false;
  try {
    good = verify('sha256', prefix, { key: publicKey, dsaEncoding: 'der' }, parsed.ecdsaDer);
  } catch {
    good = false;
  }
  return good ? { outcome: 'ok' } : { outcome: 'badAuth', reason: 'ECDSA verification failed' };
}

/** Both bounds present and notBefore ≤ now ≤ notAfter, whole seconds, inclusive (doc 7.3). */
export function checkValidity(validity: SignatureValidity | undefined, nowSeconds: number): ValidityCheck {
  if (validity?.notBefore === undefined || validity.notAfter === undefined) {
    return { outcome: 'missingValidity', reason: validity ? 'SignatureValidity lacks notBefore or notAfter' : 'no SignatureValidity' };
  }
  const { notBefore, notAfter } = validity;
  if (nowSeconds < notBefore || nowSeconds > notAfter) {
    return {
      outcome: 'badValidity',
      reason: `now ${nowSeconds} is outside [${notBefore}, ${notAfter}]`,
      notBefore,
      notAfter,
      now: nowSeconds,
    };
  }
  return { outcome: 'ok' };
}

/**
 * The device's whole check of a signed payload, in the reference agent's order: Signature
 * present, SignatureValidity (the last one before the Signature: nothing after it is signed)
 * present and in range, then ECDSA.
 */
export function checkSignedPayload(
  payload: Uint8Array,
  key: PublicKeyInput,
  nowSeconds: number,
  tlvs: readonly Tlv[] = decodeTlvs(payload),
  opts?: VerifyOptions,
): SignatureCheck {
  const sig = signatureTlv(tlvs);
  if (!sig) return { outcome: 'missingSignature', reason: 'no Signature TLV' };

  const validityTlv = tlvs.filter((t) => t.type === TLV.SignatureValidity && !t.vendor && t.offset < sig.offset).pop();
  const validity = validityTlv ? decodeValue(validityTlv) : undefined;
  if (validity && !validity.value) {
    return { outcome: 'missingValidity', reason: `SignatureValidity does not decode: ${validity.error?.message ?? 'no value'}` };
  }
  const window = checkValidity(validity?.value as SignatureValidity | undefined, nowSeconds);
  if (window.outcome !== 'ok') return window;

  const decoded = decodeValue(sig);
  const wrapper = decoded.value?.['value'];
  if (!(wrapper instanceof Uint8Array)) {
    return { outcome: 'badAuth', reason: decoded.error ? `Signature does not decode: ${decoded.error.message}` : 'Signature has no value' };
  }
  return verifySignature(payload.subarray(0, sig.offset), wrapper, key, opts);
}
