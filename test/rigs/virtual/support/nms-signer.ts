/**
 * Test-side NMS signing (csmp-protocol.md 7.1-7.3): appends SignatureValidity and Signature to a
 * payload, wrapped the way FND wraps the ECDSA-Sig-Value. Independent of the meter's checker.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { encodeTlvs } from '../../../../harness/csmp/tlv.js';
import { encodeValue } from '../../../../harness/csmp/value.js';

export interface TestKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function testKeys(): TestKeys {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

const OID = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];

export function wrapSignature(ecdsaDer: Uint8Array): Uint8Array {
  const bits = [0x03, ecdsaDer.length + 1, 0x00, ...ecdsaDer];
  const body = [...OID, ...bits];
  return Uint8Array.from([0x30, body.length, ...body]);
}

export interface SignOptions {
  notBefore?: number;
  notAfter?: number;
  /** Leave SignatureValidity out. */
  noValidity?: boolean;
  /** Flip one bit of the signed bytes after signing. */
  tamper?: boolean;
  /** Bytes appended after the Signature TLV (unsigned). */
  trailing?: Uint8Array;
  /** Replaces the Signature value (the wrapped ECDSA signature) with what it returns. */
  alter?: (value: Uint8Array) => Uint8Array;
}

/** payload ‖ SignatureValidity ‖ Signature (minimal lengths, as FND writes them). */
export function signed(payload: Uint8Array, key: KeyObject, nowSec: number, o: SignOptions = {}): Uint8Array {
  const validity = o.noValidity
    ? new Uint8Array(0)
    : encodeTlvs([{ type: 76, value: encodeValue(76, { notBefore: o.notBefore ?? nowSec - 3600, notAfter: o.notAfter ?? nowSec + 3600 }) }], { lengthStyle: 'minimal' });
  const covered = new Uint8Array([...payload, ...validity]);
  const der = sign('sha256', covered, { key, dsaEncoding: 'der' });
  const value = o.alter ? o.alter(wrapSignature(der)) : wrapSignature(der);
  const sigTlv = encodeTlvs([{ type: 77, value: encodeValue(77, { value }) }], { lengthStyle: 'minimal' });
  const out = new Uint8Array([...covered, ...sigTlv, ...(o.trailing ?? [])]);
  if (o.tamper) out[0] = out[0]! ^ 0x01;
  return out;
}

export function tlvBytes(items: { type: number; fields: Record<string, unknown> }[]): Uint8Array {
  return encodeTlvs(
    items.map((i) => ({ type: i.type, value: encodeValue(i.type, i.fields) })),
    { lengthStyle: 'minimal' },
  );
}
