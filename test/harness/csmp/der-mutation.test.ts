import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { P256_ORDER, parseSignatureValue } from '../../../harness/csmp/asn1.js';
import { DER_MUTATIONS, mutateSignatureValue } from '../../../harness/csmp/der-mutation.js';
import { signPayload } from '../../../harness/csmp/signature.js';
import { DER_MUTATION_NAMES } from '../../../harness/config/attack-steps.js';
import { looseEcdsaToP1363 } from '../../../rigs/virtual/meter/loose-der.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const msg = Uint8Array.of(0x37, 0x04, 0x08, 0x01, 0x10, 0x2b);
// 30 L 06 08 <OID> 03 L 00 <ECDSA-Sig-Value>
const ecdsaOf = (value: Uint8Array): Uint8Array => value.subarray(15);

describe('malformed ECDSA signatures for the security suite', () => {
  test('the config layer names the same mutations', () => {
    expect([...DER_MUTATION_NAMES]).toEqual([...DER_MUTATIONS]);
  });

  test.each([...DER_MUTATIONS])('%s: strict DER verification refuses it', (kind) => {
    const der = ecdsaOf(mutateSignatureValue(signPayload(msg, privateKey), kind));
    expect(verify('sha256', msg, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(false);
  });

  test('a loose reader still finds the signature good for trailing bytes, a padded r or s and a long-form length only', () => {
    const good = DER_MUTATIONS.filter((kind) => {
      const p1363 = looseEcdsaToP1363(ecdsaOf(mutateSignatureValue(signPayload(msg, privateKey), kind)));
      return p1363 !== undefined && verify('sha256', msg, { key: publicKey, dsaEncoding: 'ieee-p1363' }, p1363);
    });
    expect(good).toEqual(['trailing-bytes', 'non-minimal-r', 'long-form-length', 'non-minimal-s']);
  });

  test('r-at-least-n and s-at-least-n are the genuine r + n and s + n, as minimal DER integers', () => {
    // FND's signature from csmp_register.pcap (csmp-protocol.md 8): r with a leading 00, s of 32 bytes.
    const r = 'a9041435c2db2974a37a953f19ad78942458393387ea422f7ce7e96706d78496';
    const s = '1ec225fb324ca2f20b48f18536340d99f9dc513a7443fb36041743e483c5842e';
    const fnd = Buffer.from(`305406082a8648ce3d0403020348003045022100${r}0220${s}`, 'hex');
    expect(Buffer.from(mutateSignatureValue(fnd, 'r-at-least-n')).toString('hex')).toBe(
      `305406082a8648ce3d0403020348003045022101a9041434c2db2975a37a953f19ad7893e13f33e12f01e0b470a1b42a033aa9e70220${s}`,
    );
    expect(Buffer.from(mutateSignatureValue(fnd, 's-at-least-n')).toString('hex')).toBe(
      `305506082a8648ce3d0403020349003046022100${r}0221011ec225fa324ca2f30b48f18536340d99b6c34be81b5b99baf7d10ea78028a97f`,
    );
  });

  test('every mutation of the longest signature (72-byte DER) still fits the agent\'s 88-byte value', () => {
    const r = 'a9041435c2db2974a37a953f19ad78942458393387ea422f7ce7e96706d78496';
    const s = '9ec225fb324ca2f20b48f18536340d99f9dc513a7443fb36041743e483c5842e';
    const longest = Buffer.from(`305506082a8648ce3d0403020349003046022100${r}022100${s}`, 'hex');
    expect(longest.length).toBe(87);
    expect(Object.fromEntries(DER_MUTATIONS.map((kind) => [kind, mutateSignatureValue(longest, kind).length]))).toEqual({
      truncated: 86,
      'trailing-bytes': 88,
      'non-minimal-r': 88,
      'long-form-length': 88,
      'r-zero': 55,
      's-at-least-n': 87,
      'non-minimal-s': 88,
      's-zero': 55,
      'r-at-least-n': 87,
    });
    // One byte, not 00, after the DER SEQUENCE.
    expect(Buffer.from(mutateSignatureValue(longest, 'trailing-bytes')).subarray(15).toString('hex')).toBe(`3046022100${r}022100${s}01`);
  });

  test('a verifier that reduces r and s mod n (no range check) finds r-at-least-n and s-at-least-n good, and only those', () => {
    const big = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b).toString('hex')}`);
    const p1363 = (x: bigint, y: bigint): Buffer => Buffer.from(x.toString(16).padStart(64, '0') + y.toString(16).padStart(64, '0'), 'hex');
    for (let round = 0; round < 8; round++) {
      const value = signPayload(msg, privateKey);
      const good = DER_MUTATIONS.filter((kind) => {
        let rs: { r: Uint8Array; s: Uint8Array };
        try {
          rs = parseSignatureValue(mutateSignatureValue(value, kind)); // strict DER: the range is all it skips
        } catch {
          return false;
        }
        const [r, s] = [big(rs.r) % P256_ORDER, big(rs.s) % P256_ORDER];
        return r !== 0n && s !== 0n && verify('sha256', msg, { key: publicKey, dsaEncoding: 'ieee-p1363' }, p1363(r, s));
      });
      expect(good).toEqual(['s-at-least-n', 'r-at-least-n']);
    }
  });

  test('the wrapper around a mutation keeps the OID and BIT STRING the agent walks', () => {
    const value = mutateSignatureValue(signPayload(msg, privateKey), 'trailing-bytes');
    expect([value[0], value[2], value[12]]).toEqual([0x30, 0x06, 0x03]);
    expect(() => parseSignatureValue(value)).toThrow();
  });

  test('property: the loose reader never throws, and agrees with strict DER on real signatures', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => void looseEcdsaToP1363(bytes)));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (data) => {
        const der = sign('sha256', data, { key: privateKey, dsaEncoding: 'der' });
        const p1363 = looseEcdsaToP1363(der)!;
        expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, p1363)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});
