/**
 * Signed payloads the way a security test wants them rather than the way the NMS signs: by a
 * key the device does not trust, with a chosen validity window (or none), with a malformed
 * ECDSA signature. Offsets are seconds from NMS time when signing.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mutateSignatureValue, type DerMutation } from '../csmp/der-mutation.js';
import { buildPayload } from '../csmp/payload.js';
import { encodeTlvs } from '../csmp/tlv.js';
import { TLV } from '../csmp/tlv-ids.js';
import { encodeValue } from '../csmp/value.js';
import { NmsSigner } from './signing.js';

export interface SignatureSpec {
  /** 'other': a P-256 key made for this process, which no device trusts. Default 'nms'. */
  key?: 'nms' | 'other';
  /** Seconds relative to NMS time; default the signer's window. */
  notBeforeS?: number;
  notAfterS?: number;
  /** Leave SignatureValidity out. */
  omitValidity?: boolean;
  der?: DerMutation;
}

let stranger: NmsSigner | undefined;

/** A signer whose key is generated here and never stored: "signed by another key". */
export function strangerSigner(): NmsSigner {
  stranger ??= new NmsSigner({ privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey });
  return stranger;
}

/** `body` + [SignatureValidity] + Signature as `spec` asks. */
export function signCustom(nms: NmsSigner, body: Uint8Array, nowMs: number, spec: SignatureSpec): Uint8Array {
  const signer = spec.key === 'other' ? strangerSigner() : nms;
  const now = Math.floor(nowMs / 1000);
  const dflt = signer.window(nowMs);
  const window = {
    notBefore: spec.notBeforeS !== undefined ? Math.max(0, now + spec.notBeforeS) : dflt.notBefore,
    notAfter: spec.notAfterS !== undefined ? Math.max(0, now + spec.notAfterS) : dflt.notAfter,
  };
  const validity = spec.omitValidity ? new Uint8Array(0) : buildPayload([{ type: TLV.SignatureValidity, fields: window }], { lengthStyle: 'minimal' });
  const prefix = Buffer.concat([body, validity]);
  let value = signer.signatureValue(prefix);
  if (spec.der) value = mutateSignatureValue(value, spec.der);
  const sig = encodeTlvs([{ type: TLV.Signature, value: encodeValue(TLV.Signature, { value }) }], { lengthStyle: 'minimal' });
  return Uint8Array.from(Buffer.concat([prefix, sig]));
}
