/**
 * ECDSA P-256 keys for CSMP signatures (doc 7.1). Devices hold the NMS public key as a
 * 65-byte uncompressed point `04|X|Y`; the NMS side holds a private key, usually in a PEM file.
 *
 * Key material never reaches an error message: every failure names what was wrong (and the
 * file, for files), never the bytes or text it was given, and no node:crypto error is kept as
 * a cause.
 */
import { createECDH, createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { holdsPrivateKey } from './certificate-pem.js';

export const P256_POINT_BYTES = 65;
const CURVE = 'prime256v1';

/** A public key as a KeyObject (public, or private to derive from), a PEM certificate or public key (never private key text), or a 65-byte point. */
export type PublicKeyInput = KeyObject | string | Uint8Array;

export function publicKeyFrom(key: PublicKeyInput): KeyObject {
  let result: KeyObject;
  if (key instanceof KeyObject) {
    if (key.type === 'secret') throw new TypeError('public key: a secret key cannot verify ECDSA');
    result = key.type === 'private' ? createPublicKey(key) : key;
  } else if (typeof key === 'string') {
    // Text stands for a certificate file's content; createPublicKey would take a private key there too.
    if (holdsPrivateKey(key)) throw new TypeError('public key: the text holds a private key; give a certificate or public key');
    try {
      result = createPublicKey(key);
    } catch {
      throw new TypeError('public key: text is not a PEM certificate or key');
    }
  } else if (key instanceof Uint8Array) {
    result = publicKeyFromPoint(key);
  } else {
    throw new TypeError('public key: expected a KeyObject, PEM text or a 65-byte point');
  }
  requireP256(result, 'public key');
  return result;
}

/** The device-side form `04|X|Y` as a KeyObject (via JWK); the point must lie on P-256. */
export function publicKeyFromPoint(point: Uint8Array): KeyObject {
  if (point.length !== P256_POINT_BYTES || point[0] !== 0x04) {
    throw new TypeError(`public key: expected a ${P256_POINT_BYTES}-byte uncompressed point starting 04 (got ${point.length} bytes)`);
  }
  try {
    return createPublicKey({ key: jwkOf(point), format: 'jwk' });
  } catch {
    throw new TypeError('public key: the point is not on P-256');
  }
}

/** `04|X|Y` of a P-256 key (public, or private to derive from). */
export function publicKeyPoint(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  requireP256(pub, 'public key');
  const jwk = pub.export({ format: 'jwk' });
  const out = new Uint8Array(P256_POINT_BYTES);
  out[0] = 0x04;
  out.set(Buffer.from(jwk.x!, 'base64url'), 1);
  out.set(Buffer.from(jwk.y!, 'base64url'), 33);
  return out;
}

/** A private key from its 32-byte scalar, as test vectors give it (doc 8.8). */
export function privateKeyFromScalar(d: Uint8Array): KeyObject {
  try {
    const ecdh = createECDH(CURVE);
    ecdh.setPrivateKey(d);
    const jwk = { ...jwkOf(ecdh.getPublicKey()), d: Buffer.from(d).toString('base64url') };
    return createPrivateKey({ key: jwk, format: 'jwk' });
  } catch {
    throw new TypeError('private key: not a valid P-256 scalar');
  }
}

export function requireP256(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== CURVE) {
    throw new TypeError(`${what}: not an ECDSA P-256 (prime256v1) key`);
  }
}

function jwkOf(point: Uint8Array): { kty: 'EC'; crv: 'P-256'; x: string; y: string } {
  const b = Buffer.from(point.buffer, point.byteOffset, point.byteLength);
  return { kty: 'EC', crv: 'P-256', x: b.subarray(1, 33).toString('base64url'), y: b.subarray(33, 65).toString('base64url') };
}
