/**
 * The lab's signing key for evidence bundles: an EC P-256 private key in a PEM file. Read once,
 * kept in a KeyObject and never shown: errors name the file, not its content, and the object
 * prints no key material.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../core/errors.js';

export interface LabKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

function isP256(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

export function loadLabKey(file: string): LabKey {
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (e) {
    throw new ConfigError(`--key ${file}`, 'file', `cannot read the key file: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(text);
  } catch {
    // Not the library's message: it could quote what it could not parse.
    throw new ConfigError(`--key ${file}`, 'value', 'not a PEM private key (an unencrypted EC P-256 key is expected)');
  } finally {
    text.fill(0);
  }
  if (!isP256(privateKey)) throw new ConfigError(`--key ${file}`, 'value', 'not an EC P-256 private key');
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export function loadPublicKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(`--pub ${file}`, 'file', code?.startsWith('E') && !code.startsWith('ERR_') ? `cannot read the key file: ${code}` : 'not a PEM public key or certificate');
  }
  if (!isP256(key)) throw new ConfigError(`--pub ${file}`, 'value', 'not an EC P-256 public key');
  return key;
}
