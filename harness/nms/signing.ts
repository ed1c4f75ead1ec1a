/**
 * The NMS's signing identity (doc 7): appends SignatureValidity then Signature, last, to what
 * the NMS sends, and checks its own output against its certificate.
 *
 * The validity window is deliberately narrow by default (10 min back, 1 h ahead of NMS time),
 * unlike FND's 110 000 000-second window in the capture (doc 7.3): with FND's window only a
 * clock reset to 1970 shows up, while the clock-skew suites move a device clock by hours.
 * The key never leaves this object: it is not enumerable, and inspection/JSON show no key.
 */
import { readFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import type { KeyObject } from 'node:crypto';
import { ConfigError, ResourceError, resourceCodeOf } from '../../core/errors.js';
import { publicKeyFrom, type PublicKeyInput } from '../csmp/keys.js';
import { loadPrivateKeyPem } from './key-file.js';
import { buildPayload } from '../csmp/payload.js';
import { appendSignature, checkSignedPayload, signPayload, type SignatureCheck } from '../csmp/signature.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { PayloadSigner } from './response-builder.js';

export interface ValidityWindow {
  /** Seconds before NMS time that notBefore lies. Default 600. */
  beforeS: number;
  /** Seconds after NMS time that notAfter lies. Default 3600. */
  afterS: number;
}

export const DEFAULT_VALIDITY: ValidityWindow = { beforeS: 600, afterS: 3600 };

export interface SigningOptions {
  privateKey: KeyObject;
  /** The NMS certificate (PEM text or key) devices verify with; default: derived from the private key. */
  certificate?: PublicKeyInput;
  validity?: Partial<ValidityWindow>;
}

export class NmsSigner implements PayloadSigner {
  readonly validity: ValidityWindow;
  readonly publicKey: KeyObject;
  declare private readonly key: KeyObject;

  constructor(opts: SigningOptions) {
    Object.defineProperty(this, 'key', { value: opts.privateKey, enumerable: false });
    if (opts.privateKey.type !== 'private') throw new ConfigError('nms.signing.key', 'value', 'not a private key');
    this.validity = { ...DEFAULT_VALIDITY, ...opts.validity };
    if (!(this.validity.beforeS >= 0 && this.validity.afterS >= 0)) throw new RangeError('validity window bounds must be >= 0');
    try {
      this.publicKey = publicKeyFrom(opts.certificate ?? opts.privateKey);
    } catch (e) {
      throw new ConfigError('nms.signing.cert', 'value', (e as Error).message);
    }
    // A key that does not match the certificate would make every device fail every signature;
    // say so at start-up instead of through a stream of signatureFailure events.
    const probe = this.sign(Uint8Array.of(0x07, 0x01, 0x0a), 1_700_000_000_000);
    if (checkSignedPayload(probe, this.publicKey, 1_700_000_000).outcome !== 'ok') {
      throw new ConfigError('nms.signing', 'conflict', 'the private key does not match the certificate');
    }
  }

  /** Loads the rig's PEM key and certificate files. */
  static async load(keyPath: string, certPath: string | undefined, validity?: Partial<ValidityWindow>): Promise<NmsSigner> {
    const privateKey = await loadPrivateKeyPem(keyPath);
    let certificate: string | undefined;
    if (certPath !== undefined) {
      try {
        certificate = await readFile(certPath, 'utf8');
      } catch (e) {
        throw new ResourceError(certPath, resourceCodeOf(e), `cannot read certificate file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
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
    return appendSignature(prefix, this.key, { lengthStyle: 'minimal' });
  }

  /** The Signature.value (DER wrapper) over `prefix`, for payloads built another way (custom-signing.ts). */
  signatureValue(prefix: Uint8Array): Uint8Array {
    return signPayload(prefix, this.key);
  }

  /** Checks a signed payload the way a device holding our certificate would, at `nowMs`. */
  verify(payload: Uint8Array, nowMs: number): SignatureCheck {
    return checkSignedPayload(payload, this.publicKey, Math.floor(nowMs / 1000));
  }

  toJSON(): Record<string, unknown> {
    return { signer: 'NmsSigner', validity: this.validity };
  }

  [inspect.custom](): string {
    return `NmsSigner { validity: ${JSON.stringify(this.validity)} }`;
  }
}
