/**
 * DSSE, the Dead Simple Signing Envelope (github.com/secure-systems-lab/dsse, protocol v1.0.0):
 * the signature covers PAE(payloadType, payload), never the JSON around it, so the envelope can be
 * re-serialised freely and the type cannot be swapped.
 *
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 *   LEN(s) = ASCII decimal byte length of s, no leading zeros
 *
 * Signatures here are ECDSA P-256 over SHA-256, DER-encoded (as Sigstore writes them); keyid is
 * the hex SHA-256 of the public key's SubjectPublicKeyInfo DER.
 *
 * payload and sig are read as canonical standard base64 only (RFC 4648 section 4, padded, nothing
 * else: the text must be what encoding its bytes gives back). Buffer.from(…, 'base64') alone
 * skips characters outside the alphabet and stops at the padding, so an envelope with text after
 * its payload's `==` would verify here while a strict reader decodes something else or refuses it.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';

export interface DsseSignature {
  keyid: string;
  /** Base64. */
  sig: string;
}

export interface DsseEnvelope {
  payloadType: string;
  /** Base64 of the payload bytes. */
  payload: string;
  signatures: DsseSignature[];
}

export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, 'ascii'), type, Buffer.from(` ${payload.length} `, 'ascii'), payload]);
}

export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** An envelope of `payload` signed by `privateKey` (none when it is undefined: an unsigned bundle). */
export function envelope(payloadType: string, payload: Uint8Array, signer?: { privateKey: KeyObject; publicKey: KeyObject }): DsseEnvelope {
  const signatures: DsseSignature[] = [];
  if (signer) {
    const sig = sign('sha256', pae(payloadType, payload), { key: signer.privateKey, dsaEncoding: 'der' });
    signatures.push({ keyid: keyId(signer.publicKey), sig: sig.toString('base64') });
  }
  return { payloadType, payload: Buffer.from(payload).toString('base64'), signatures };
}

/** The bytes of `text` when it is canonical standard base64 (RFC 4648 section 4, padded), else undefined. */
export function decodeBase64Strict(text: unknown): Buffer | undefined {
  if (typeof text !== 'string') return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** Why `field` holding `text` is refused (it is not canonical standard base64). */
export function notBase64(field: string): string {
  return `${field} is not canonical standard base64 (RFC 4648 section 4, padded, no other characters): refused`;
}

export type EnvelopeCheck =
  | { ok: true; keyid: string; payload: Buffer }
  | { ok: false; reason: string };

/** Whether one of the envelope's signatures is `publicKey`'s over PAE(type, payload). */
export function verifyEnvelope(env: DsseEnvelope, publicKey: KeyObject): EnvelopeCheck {
  if (typeof env.payloadType !== 'string' || typeof env.payload !== 'string' || !Array.isArray(env.signatures)) return { ok: false, reason: 'not a DSSE envelope (payloadType, payload, signatures)' };
  if (env.signatures.length === 0) return { ok: false, reason: 'the envelope is not signed' };
  const payload = decodeBase64Strict(env.payload);
  if (!payload) return { ok: false, reason: notBase64('payload') };
  const sigs: Buffer[] = [];
  for (const [i, s] of env.signatures.entries()) {
    const sig = decodeBase64Strict(s?.sig);
    if (!sig) return { ok: false, reason: notBase64(`signatures[${i}].sig`) };
    sigs.push(sig);
  }
  const id = keyId(publicKey);
  const message = pae(env.payloadType, payload);
  for (const sig of sigs) {
    let good = false;
    try {
      good = verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, sig);
    } catch {
      good = false;
    }
    if (good) return { ok: true, keyid: id, payload };
  }
  const named = env.signatures.some((s) => s.keyid === id);
  return {
    ok: false,
    reason: named
      ? `the signature by key ${id.slice(0, 16)}… does not match the manifest: it was changed after signing`
      : `no signature by key ${id.slice(0, 16)}… (signed by ${env.signatures.map((s) => `${s.keyid.slice(0, 16)}…`).join(', ')})`,
  };
}
