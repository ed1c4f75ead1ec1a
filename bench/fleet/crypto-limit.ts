/**
 * node:crypto on this machine, on the bytes the NMS signs in a 2.03 (ReportSubscribe, SessionID,
 * SignatureValidity), with the calls the NMS and the meters make: sign with the NMS key, verify
 * the DER signature with the certificate's public key. Each worker thread measures on its own
 * core; run together, their sum is the machine's all-core bound.
 */
import { sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeTlvs, type Tlv } from '../../harness/csmp/tlv.js';
import { publicKeyFrom } from '../../harness/csmp/keys.js';
import { loadPrivateKeyPem } from '../../harness/nms/key-file.js';
import { TLV } from '../../harness/csmp/tlv-ids.js';
import { parseSignatureValue } from '../../harness/csmp/asn1.js';
import { decodeValue } from '../../harness/csmp/value.js';
import { NmsSigner } from '../../harness/nms/signing.js';
import { registrationResponsePayload } from '../../harness/nms/response-builder.js';
import { CERT, KEY } from './keys.js';

export interface CryptoRates {
  signedBytes: number;
  signPerSec: number;
  verifyPerSec: number;
  signVerifyPerSec: number;
}

/** The bytes the NMS signs in a 2.03 (everything before its Signature TLV), and that 2.03's Signature TLV. */
async function signedSample(): Promise<{ prefix: Uint8Array; sigTlv: Tlv }> {
  const signer = await NmsSigner.load(KEY, CERT);
  const sample = registrationResponsePayload({ reportSubscribe: { interval: 900, tlvids: [String(TLV.Uptime), String(TLV.WPANStatus)] }, sessionId: '5000', groupAssign: [] }, signer, Date.now());
  const sigTlv = decodeTlvs(sample).find((t) => t.type === TLV.Signature)!;
  return { prefix: sample.subarray(0, sigTlv.offset), sigTlv };
}

export async function signedPrefix(): Promise<Uint8Array> {
  return (await signedSample()).prefix;
}

export async function cryptoLimit(seconds: number): Promise<CryptoRates> {
  const { prefix, sigTlv } = await signedSample();
  const key = await loadPrivateKeyPem(KEY);
  const pub = publicKeyFrom(readFileSync(CERT, 'utf8'));
  const wrapper = decodeValue(sigTlv).value?.['value'];
  if (!(wrapper instanceof Uint8Array)) throw new Error('crypto bench: Signature TLV without value');
  const der = parseSignatureValue(wrapper).ecdsaDer;
  if (!verify('sha256', prefix, { key: pub, dsaEncoding: 'der' }, der)) throw new Error('crypto bench: the NMS signature does not verify');

  const rate = (op: () => void): number => {
    for (let i = 0; i < 200; i++) op(); // warm up
    let n = 0;
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    let t = t0;
    while (t < end) {
      for (let i = 0; i < 50; i++) op();
      n += 50;
      t = performance.now();
    }
    return n / ((t - t0) / 1000);
  };
  let bad = 0;
  const signPerSec = rate(() => sign('sha256', prefix, { key, dsaEncoding: 'der' }));
  const verifyPerSec = rate(() => {
    if (!verify('sha256', prefix, { key: pub, dsaEncoding: 'der' }, der)) bad++;
  });
  const signVerifyPerSec = rate(() => {
    if (!verify('sha256', prefix, { key: pub, dsaEncoding: 'der' }, sign('sha256', prefix, { key, dsaEncoding: 'der' }))) bad++;
  });
  if (bad !== 0) throw new Error(`crypto bench: ${bad} verifications failed`);
  return { signedBytes: prefix.length, signPerSec, verifyPerSec, signVerifyPerSec };
}
