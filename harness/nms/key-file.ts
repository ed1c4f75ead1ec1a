/**
 * The NMS signing key as a lab keeps it: a PEM file on disk (or in a token: pkcs11-key.ts). Reading the file is I/O, so it lives
 * here beside the signer rather than in the pure csmp codec. Key material never reaches an error.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigError, ResourceError, resourceCodeOf } from '../../core/errors.js';
import { nmsCertificateOnly } from '../config/nms-certificate.js';
import { looksLikePemText, shownPath } from '../config/secret-text.js';
import { requireP256 } from '../csmp/keys.js';

/** Reads an unencrypted PEM private key (PKCS#8 or SEC1) that must be ECDSA P-256. */
export async function loadPrivateKeyPem(path: string): Promise<KeyObject> {
  if (looksLikePemText(path)) throw new ConfigError('nms.signing.key', 'value', 'holds PEM text instead of a path to a key file (the text is not shown)');
  // The path is in every message below, and it may be a key's base64 or hex pasted in its place.
  const shown = shownPath(path, 'nms.signing.key');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new ResourceError(shown, resourceCodeOf(e), `cannot read private key file (${code})`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw new ConfigError(shown, 'value', 'not an unencrypted PEM private key');
  }
  try {
    requireP256(key, 'private key');
  } catch {
    throw new ConfigError(shown, 'value', 'private key is not ECDSA P-256 (prime256v1)');
  }
  return key;
}

/** The NMS certificate (PEM text, its certificate blocks alone): public, but read here beside the key for one place of file errors. */
export async function readCertificateFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ResourceError(shownPath(path, 'nms.signing.cert'), resourceCodeOf(e), `cannot read certificate file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  // A private key here would otherwise serve as the "certificate": node derives a public key from it.
  return nmsCertificateOnly(path, text);
}
