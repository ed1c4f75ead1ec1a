/**
 * Deliberately malformed ECDSA signatures for the security suite (issue 8, item 3): each takes a
 * valid Signature.value and breaks its ECDSA-Sig-Value one way strict DER or ECDSA forbids. A
 * device must refuse every one (4.01) without crashing. r and s stay the signer's, so only a
 * device that reads DER loosely would still find the signature good (trailing bytes, padded or
 * long-form integers); r = 0 and s = 0 are refused by any ECDSA verifier. The ≥ n cases are the
 * genuine r + n or s + n (SEC 1 v2 4.1.4 step 1: r and s must lie in [1, n-1]): well-formed DER
 * integers that a verifier without the range check, one that reduces r and s mod n, finds good —
 * r = n exactly would prove nothing, since n ≡ 0 mod n is refused by every verifier.
 */
import { P256_ORDER, parseSignatureValue } from './asn1.js';

export const DER_MUTATIONS = ['truncated', 'trailing-bytes', 'non-minimal-r', 'long-form-length', 'r-zero', 's-at-least-n', 'non-minimal-s', 's-zero', 'r-at-least-n'] as const;
export type DerMutation = (typeof DER_MUTATIONS)[number];

const OID_ECDSA_SHA256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];

export function isDerMutation(s: string): s is DerMutation {
  return (DER_MUTATIONS as readonly string[]).includes(s);
}

/** The Signature.value `value` with its ECDSA-Sig-Value broken as `kind` says. */
export function mutateSignatureValue(value: Uint8Array, kind: DerMutation): Uint8Array {
  const { r, s, ecdsaDer } = parseSignatureValue(value);
  return wrap(mutated(ecdsaDer, [...r], [...s], kind));
}

function mutated(der: Uint8Array, r: number[], s: number[], kind: DerMutation): number[] {
  switch (kind) {
    case 'truncated':
      return [...der.subarray(0, der.length - 1)];
    case 'trailing-bytes':
      // One byte: a 72-byte signature then still fits the agent's 88-byte value (72 + 15 + 1), so
      // a device refuses it for the byte after the DER, never for its length. Not 00, which a
      // reader stripping zero padding would drop.
      return [...der, 0x01];
    case 'non-minimal-r':
      return sequence([...integer([0x00, ...r]), ...integer(s)]);
    case 'long-form-length':
      return sequence([0x02, 0x81, r.length, ...r, ...integer(s)]);
    case 'r-zero':
      return sequence([...integer([0x00]), ...integer(s)]);
    case 's-at-least-n':
      return sequence([...integer(r), ...integer(plusN(s))]);
    case 'non-minimal-s':
      return sequence([...integer(r), ...integer([0x00, ...s])]);
    case 's-zero':
      return sequence([...integer(r), ...integer([0x00])]);
    case 'r-at-least-n':
      return sequence([...integer(plusN(r)), ...integer(s)]);
  }
}

/**
 * The minimal DER INTEGER content of `content` + n (content as on the wire: big-endian, a leading
 * 00 when the top bit is set). r + n lies in [n + 1, 2n - 1]: 33 content bytes, whatever r was.
 */
function plusN(content: number[]): number[] {
  const v = BigInt(`0x${Buffer.from(content).toString('hex') || '0'}`) + P256_ORDER;
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = [...Buffer.from(hex, 'hex')];
  return bytes[0]! & 0x80 ? [0x00, ...bytes] : bytes;
}

function integer(content: number[]): number[] {
  return [0x02, content.length, ...content];
}

function sequence(content: number[]): number[] {
  return [0x30, content.length, ...content];
}

/** The Signature.value wrapper around `der` as given: no check, short-form lengths. */
function wrap(der: number[]): Uint8Array {
  const bits = [0x03, der.length + 1, 0x00, ...der];
  const body = [...OID_ECDSA_SHA256, ...bits];
  return Uint8Array.from([0x30, body.length, ...body]);
}
