/**
 * The NMS certificate kept apart from whatever else its file holds. The certificate is public: it
 * goes to device consoles (`${nms.certBase64}`), meter flash and reports. A private key beside it
 * (key and certificate concatenated, or the key file named as the certificate) must go nowhere.
 */
import { X509Certificate } from 'node:crypto';

// Base64 and line breaks only between the markers: a block cannot swallow another block's BEGIN line.
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]*?-----END CERTIFICATE-----/g;
// PKCS#8, SEC1, RSA, encrypted and OpenSSH keys; the END line too, for a file cut short.
const PRIVATE_KEY_LINE = /-----(BEGIN|END) [A-Z0-9 ]*PRIVATE KEY-----/;

export function holdsPrivateKey(text: string): boolean {
  return PRIVATE_KEY_LINE.test(text);
}

/** The X.509 certificates in `text`, each block as written, one after another with a final newline; '' when there is none. */
export function pemCertificates(text: string): string {
  const blocks = (text.match(CERTIFICATE_BLOCK) ?? []).filter(isCertificate);
  return blocks.length ? `${blocks.join('\n')}\n` : '';
}

function isCertificate(block: string): boolean {
  try {
    new X509Certificate(block);
    return true;
  } catch {
    return false;
  }
}
