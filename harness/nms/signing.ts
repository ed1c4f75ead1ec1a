/**
 * The NMS's signing identity (doc 7): appends SignatureValidity then Signature, last, to what
 * the NMS sends, and checks its own output against its certificate.
 *
 * The validity window is deliberately narrow by default (10 min back, 1 h ahead of NMS time),
 * unlike FND's 110 000 000-second window in the capture (doc 7.3): with FND's window only a
 * clock reset to 1970 shows up, while the clock-skew suites move a device clock by hours.
 * The key never leaves this object: it is not enumerable, and inspection/JSON show no key.
 *
 * Where the key lives is a SignatureKey: a PEM file's key signs with node:crypto; a key in an HSM or
 * software token signs inside the token through PKCS#11 (pkcs11-key.ts), as FND keeps its CSMP
 * keys. Both hand back a DER ECDSA-Sig-Value, so devices cannot tell them apart.
 */
import { inspect } from 'node:util';
import { sign as cryptoSign, KeyObject } from 'node:crypto';
import { ConfigError } from '../../core/errors.js';
import { publicKeyFrom, type PublicKeyInput } from '../csmp/keys.js';
import { loadPrivateKeyPem, readCertificateFile } from './key-file.js';
import { buildPayload } from '../csmp/payload.js';
import { buildSignatureValue } from '../csmp/asn1.js';
import { appendSignatureValue, checkSignedPayload, type SignatureCheck } from '../csmp/signature.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { PayloadSigner } from './response-builder.js';

export interface ValidityWindow {
  /** Seconds before NMS time that notBefore lies. Default 600. */
  beforeS: number;
  /** Seconds after NMS time that notAfter lies. Default 3600. */
  afterS: number;
}

export const DEFAULT_VALIDITY: ValidityWindow = { beforeS: 600, afterS: 3600 };

/**
 * A private ECDSA P-256 key that signs: SHA-256 over `data`, the signature as a DER ECDSA-Sig-Value
 * (what node:crypto gives with dsaEncoding 'der', and what CSMP's Signature.value wraps).
 */
export interface SignatureKey {
  /** For messages: never key material. "PEM key", "PKCS#11 token 'fnd' key 'csmp'". */
  readonly description: string;
  sign(data: Uint8Array): Uint8Array;
  /** The matching public key, when the key can tell it (a PEM key can; a token key may not). */
  readonly publicKey?: KeyObject;
  /** Releases what the key holds open (a token session). */
  close?(): void;
}

/** A key held in this process (a PEM file's). */
export function keyObjectSigner(privateKey: KeyObject): SignatureKey {
  if (privateKey.type !== 'private') throw new ConfigError('nms.signing.key', 'value', 'not a private key');
  const key: SignatureKey = {
    description: 'PEM key',
    sign: (data) => cryptoSign('sha256', data, { key: privateKey, dsaEncoding: 'der' }),
    publicKey: publicKeyFrom(privateKey),
  };
  return key;
}

export interface SigningOptions {
  /** A key in this process; or give `key`. */
  privateKey?: KeyObject;
  /** A key that signs by itself (a PKCS#11 token); needs `certificate`. */
  key?: SignatureKey;
  /** The NMS certificate (PEM text, public key or point) devices verify with, never a private key; default: the key's own public key. */
  certificate?: PublicKeyInput;
  validity?: Partial<ValidityWindow>;
}

export class NmsSigner implements PayloadSigner {
  readonly validity: ValidityWindow;
  readonly publicKey: KeyObject;
  declare private readonly key: SignatureKey;

  constructor(opts: SigningOptions) {
    if ((opts.privateKey === undefined) === (opts.key === undefined)) throw new TypeError('NmsSigner needs privateKey or key (one of them)');
    const key = opts.key ?? keyObjectSigner(opts.privateKey!);
    Object.defineProperty(this, 'key', { value: key, enumerable: false });
    this.validity = { ...DEFAULT_VALIDITY, ...opts.validity };
    if (!(this.validity.beforeS >= 0 && this.validity.afterS >= 0)) throw new RangeError('validity window bounds must be >= 0');
    if (opts.certificate instanceof KeyObject && opts.certificate.type === 'private')
      throw new ConfigError('nms.signing.cert', 'value', 'a private key was given as the certificate; give the certificate (or public key) devices verify with');
    const publicInput = opts.certificate ?? key.publicKey;
    if (publicInput === undefined) throw new ConfigError('nms.signing.cert', 'missing', `${key.description}: a certificate is needed to know the public key`);
    try {
      this.publicKey = publicKeyFrom(publicInput);
    } catch (e) {
      throw new ConfigError('nms.signing.cert', 'value', (e as Error).message);
    }
    // A key that does not match the certificate would make every device fail every signature;
    // say so at start-up instead of through a stream of signatureFailure events.
    const probe = this.sign(Uint8Array.of(0x07, 0x01, 0x0a), 1_700_000_000_000);
    if (checkSignedPayload(probe, this.publicKey, 1_700_000_000).outcome !== 'ok') {
      throw new ConfigError('nms.signing', 'conflict', `the private key (${key.description}) does not match the certificate`);
    }
  }

  /** Releases the key's resources (a token session); the signer cannot sign afterwards. */
  close(): void {
    this.key.close?.();
  }

  /** Loads the rig's PEM key and certificate files. */
  static async load(keyPath: string, certPath: string | undefined, validity?: Partial<ValidityWindow>): Promise<NmsSigner> {
    const privateKey = await loadPrivateKeyPem(keyPath);
    const certificate = certPath !== undefined ? await readCertificateFile(certPath) : undefined;
    return new NmsSigner({ privateKey, ...(certificate !== undefined ? { certificate } : {}), ...(validity ? { validity } : {}) });
  }

  window(nowMs: number): { notBefore: number; notAfter: number } {
    const now = Math.floor(nowMs / 1000);
    return { notBefore: Math.max(0, now - this.validity.beforeS), notAfter: now + this.validity.afterS };
  }

  /** `body` + SignatureValidity + Signature (over body and validity), minimal lengths. */
  sign(body: Uint8Array, nowMs: number): Uint8Array {
    const validity = buildPayload([{ type: TLV.SignatureValidity, fields: this.window(nowMs) }], { lengthStyle: 'minimal' });
    const prefix = new Uint8Array(body.length + validity.length);
    prefix.set(body, 0);
    prefix.set(validity, body.length);
    return appendSignatureValue(prefix, buildSignatureValue(this.key.sign(prefix)), { lengthStyle: 'minimal' });
  }

  /** The Signature.value (DER wrapper) over `prefix`, for payloads built another way (custom-signing.ts). */
  signatureValue(prefix: Uint8Array): Uint8Array {
    return buildSignatureValue(this.key.sign(prefix));
  }

  /** Checks a signed payload the way a device holding our certificate would, at `nowMs`. */
  verify(payload: Uint8Array, nowMs: number): SignatureCheck {
    return checkSignedPayload(payload, this.publicKey, Math.floor(nowMs / 1000));
  }

  toJSON(): Record<string, unknown> {
    return { signer: 'NmsSigner', key: this.key.description, validity: this.validity };
  }

  [inspect.custom](): string {
    return `NmsSigner { key: ${this.key.description}, validity: ${JSON.stringify(this.validity)} }`;
  }
}
