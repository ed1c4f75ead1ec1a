/**
 * The lab's signing key for evidence bundles: an EC P-256 private key in a PEM file. Read once,
 * kept in a KeyObject and never shown: errors name the file, not its content, and the object
 * prints no key material. `--key "$(cat lab.pem)"` puts the key where the file's name belongs, so
 * a name that looks like key material is not shown either.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../core/errors.js';
import { holdsPrivateKey } from '../csmp/certificate-pem.js';
import { looksLikePemText, namedPath, PEM_NOT_A_PATH } from '../config/secret-text.js';

export interface LabKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

function isP256(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

/** The bytes of the key file an option names, and how errors name it (never quoting key text). */
function readKeyFile(flag: '--key' | '--pub', file: string): { where: string; text: Buffer } {
  if (looksLikePemText(file)) throw new ConfigError(flag, 'value', PEM_NOT_A_PATH);
  const where = namedPath(flag, file);
  try {
    return { where, text: readFileSync(file) };
  } catch (e) {
    throw new ConfigError(where, 'file', `cannot read the key file: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

export function loadLabKey(file: string): LabKey {
  const { where, text } = readKeyFile('--key', file);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(text);
  } catch {
    // Not the library's message: it could quote what it could not parse.
    throw new ConfigError(where, 'value', 'not a PEM private key (an unencrypted EC P-256 key is expected)');
  } finally {
    text.fill(0);
  }
  if (!isP256(privateKey)) throw new ConfigError(where, 'value', 'not an EC P-256 private key');
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export function loadPublicKey(file: string): KeyObject {
  const { where, text } = readKeyFile('--pub', file);
  let key: KeyObject;
  try {
    // createPublicKey would derive the public key from a private one: the lab key has no business here.
    if (holdsPrivateKey(text.toString('latin1'))) throw new ConfigError(where, 'value', 'holds a private key; give the public key or certificate');
    key = createPublicKey(text);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(where, 'file', 'not a PEM public key or certificate');
  } finally {
    text.fill(0);
  }
  if (!isP256(key)) throw new ConfigError(where, 'value', 'not an EC P-256 public key');
  return key;
}
