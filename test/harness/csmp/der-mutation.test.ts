import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { parseSignatureValue } from '../../../harness/csmp/asn1.js';
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
