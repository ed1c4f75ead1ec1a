/**
 * The NMS certificate a meter holds (PEM) and what the board makes of it. Only public material
 * ever lives here: the board trusts the NMS, it does not sign as it.
 *
 * `damagePem` models the troubleshooting note's "bad certificate file": the file is still text
 * with PEM framing (it was written whole, so nothing reads as erased flash), but its DER no longer
 * parses, so the meter reports NMSCertValid false while everything else in flash is fine.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

export interface NmsCertInfo {
  /** SHA-256 over the DER, colon-separated hex, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
}

const PEM = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END CERTIFICATE-----/;

/** The certificate's facts, or undefined when it does not parse or its key is not ECDSA P-256 (CSMP signatures, doc 7.1). */
export function inspectCert(pem: string): NmsCertInfo | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return undefined;
  }
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return undefined;
  return {
    fingerprint: cert.fingerprint256,
    subject: cert.subject.replace(/\n/g, ', '),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    publicKey: key,
  };
}

export function publicKeyPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

export function parsePublicKeyPem(pem: string): KeyObject | undefined {
  try {
    const k = createPublicKey(pem);
    return k.type === 'public' ? k : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The same file with its DER header overwritten: still a PEM block of the same size, never a
 * certificate. Idempotent, so damaging twice cannot repair it.
 */
export function damagePem(pem: string): string {
  const m = PEM.exec(pem);
  const der = m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : Buffer.from(pem, 'latin1');
  // Bytes 0-3 are the outer SEQUENCE tag and length: without them no parser gets anywhere.
  der.fill(0, 0, Math.min(4, der.length));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n');
  return `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`;
}

/** Whether `text` looks like a PEM certificate block at all (the console refuses anything else). */
export function hasPemFraming(text: string): boolean {
  return PEM.test(text);
}
