import { expectDecodeError } from '../../support/errors.js';
import {
  ECDSA_WITH_SHA256_OID,
  buildSignatureValue,
  ecdsaDerFromIntegers,
  parseSignatureValue,
} from '../../../harness/csmp/asn1.js';
import { SIG_VECTOR_PAYLOAD, SIG_VECTOR_SIGNED_LENGTH } from './vectors.js';
import { FND_SIGNATURE_VALUE } from '../../support/register-vector.js';
import { hexBytes } from '../../support/hex.js';
import { toHex } from '../../../core/bytes.js';

const FND_R = '00a9041435c2db2974a37a953f19ad78942458393387ea422f7ce7e96706d78496';
const FND_S = '1ec225fb324ca2f20b48f18536340d99f9dc513a7443fb36041743e483c5842e';

describe('parseSignatureValue', () => {
  it('reads FND\'s 86-byte wrapper (doc 7.2, 8.4): r has a leading 00', () => {
    const value = hexBytes(FND_SIGNATURE_VALUE);
    expect(value.length).toBe(86);
    const sig = parseSignatureValue(value);
    expect(sig.oid).toBe(ECDSA_WITH_SHA256_OID);
    expect(toHex(sig.r)).toBe(FND_R);
    expect(sig.r.length).toBe(33);
    expect(toHex(sig.s)).toBe(FND_S);
    expect(sig.s.length).toBe(32);
    expect(toHex(sig.ecdsaDer)).toBe(FND_SIGNATURE_VALUE.slice(15 * 2));
    expect(toHex(sig.ecdsaDer.subarray(0, 2))).toBe('3045');
  });

  it('reads the 8.8 vector wrapper', () => {
    const value = hexBytes(SIG_VECTOR_PAYLOAD).subarray(SIG_VECTOR_SIGNED_LENGTH + 4);
    const sig = parseSignatureValue(value);
    expect(toHex(sig.r)).toBe('00c051ecf0b9b4bb88a8583ace6644495db9ad6d0d3ba40cadf3693e61338e89d5');
    expect(toHex(sig.s)).toBe('0e0d5fb56018ba76f2d4ef3a7ff6bdaeda04e532a12ba9849f5bc82654a3a2a3');
  });

  // Each row edits FND's wrapper; offsets count from the wrapper's first byte.
  const fnd = FND_SIGNATURE_VALUE;
  it.each([
    ['wrong outer tag', '31' + fnd.slice(2), 0, 'bad-value'],
    ['long-form outer length', '3081' + fnd.slice(4), 1, 'bad-value'],
    ['outer length too long', '3055' + fnd.slice(4), 1, 'truncated'],
    ['trailing byte', fnd + '00', 86, 'trailing-bytes'],
    ['no OID', '3000', 2, 'truncated'],
    ['OID tag', fnd.slice(0, 4) + '05' + fnd.slice(6), 2, 'bad-value'],
    ['OID with a padded arc', fnd.slice(0, 8) + '80' + fnd.slice(10), 4, 'bad-value'],
    ['OID ending inside an arc', fnd.slice(0, 22) + '82' + fnd.slice(24), 11, 'truncated'],
    ['bit string tag', fnd.slice(0, 24) + '04' + fnd.slice(26), 12, 'bad-value'],
    ['unused bits', fnd.slice(0, 28) + '01' + fnd.slice(30), 14, 'bad-value'],
    ['ECDSA sequence tag', fnd.slice(0, 30) + '31' + fnd.slice(32), 15, 'bad-value'],
    ['r tag', fnd.slice(0, 34) + '03' + fnd.slice(36), 17, 'bad-value'],
    ['r with a superfluous 00', fnd.slice(0, 36) + '2100' + '00' + fnd.slice(42), 19, 'bad-value'],
  ] as const)('%s', (_what, text, offset, code) => {
    expectDecodeError(() => parseSignatureValue(hexBytes(text)), { layer: 'asn1', code, offset });
  });

  it('names the element and what was found, in DER terms', () => {
    const tag = expectDecodeError(() => parseSignatureValue(hexBytes(fnd.slice(0, 34) + '03' + fnd.slice(36))), { layer: 'asn1', code: 'bad-value', offset: 17 });
    expect(tag.message).toBe('asn1: INTEGER r: expected tag 02, found 03 at byte 17');
  });

  /** A wrapper around `ecdsa` (hex) with FND's OID: the ECDSA-Sig-Value starts at byte 15. */
  function wrapper(ecdsa: string): string {
    const len = (h: string) => (h.length / 2).toString(16).padStart(2, '0');
    const bits = '00' + ecdsa.replace(/ /g, '');
    const body = '06082a8648ce3d040302' + '03' + len(bits) + bits;
    return '30' + len(body) + body;
  }

  it.each([
    ['negative r', '3006 020180 020101', 19, 'bad-value'],
    ['empty r', '3005 0200 020101', 18, 'bad-value'],
    ['s with a superfluous 00', '3007 020101 0202007f', 22, 'bad-value'],
    ['empty s', '3005 020101 0200', 21, 'bad-value'],
    ['missing s', '3003 020101', 20, 'truncated'],
    ['bytes after s', '3008 020101 020101 0000', 23, 'trailing-bytes'],
    ['bytes after the ECDSA-Sig-Value', '3006 020101 020101 00', 23, 'trailing-bytes'],
    ['r past its SEQUENCE', '3003 020201 020101', 18, 'truncated'],
  ] as const)('%s', (_what, ecdsa, offset, code) => {
    expectDecodeError(() => parseSignatureValue(hexBytes(wrapper(ecdsa))), { layer: 'asn1', code, offset });
  });

  it('accepts the smallest well-formed wrapper', () => {
    const sig = parseSignatureValue(hexBytes(wrapper('3006 020101 020102')));
    expect([toHex(sig.r), toHex(sig.s)]).toEqual(['01', '02']);
  });

  it('reports an empty BIT STRING', () => {
    expectDecodeError(() => parseSignatureValue(hexBytes('300c 06082a8648ce3d040302 0300')), { layer: 'asn1', code: 'bad-value', offset: 14 });
  });

  it('rejects anything longer than 88 bytes (agent buffer, Wireshark max_size)', () => {
    const long = new Uint8Array(89).fill(0x30);
    expectDecodeError(() => parseSignatureValue(long), { layer: 'asn1', code: 'too-large', offset: 88 });
  });

  it('reports a missing length byte and an empty input', () => {
    expectDecodeError(() => parseSignatureValue(hexBytes('30')), { layer: 'asn1', code: 'truncated', offset: 1 });
    expectDecodeError(() => parseSignatureValue(new Uint8Array(0)), { layer: 'asn1', code: 'truncated', offset: 0 });
  });
});

describe('buildSignatureValue', () => {
  it('wraps an ECDSA DER signature into FND\'s exact bytes', () => {
    const ecdsaDer = hexBytes(FND_SIGNATURE_VALUE).subarray(15);
    expect(toHex(buildSignatureValue(ecdsaDer))).toBe(FND_SIGNATURE_VALUE);
  });

  it('refuses input that is not a DER ECDSA-Sig-Value', () => {
    expect(() => buildSignatureValue(hexBytes('3003020101'))).toThrow(RangeError);
    expect(() => buildSignatureValue(hexBytes('300602010102'))).toThrow(RangeError);
  });

  it('refuses a result longer than 88 bytes', () => {
    const big = ecdsaDerFromIntegers(new Uint8Array(40).fill(0x11), new Uint8Array(40).fill(0x22));
    expect(() => buildSignatureValue(big)).toThrow(RangeError);
  });

  it('writes other OIDs (for negative tests)', () => {
    const ecdsaDer = hexBytes(FND_SIGNATURE_VALUE).subarray(15);
    const sha384 = buildSignatureValue(ecdsaDer, '1.2.840.10045.4.3.3');
    expect(toHex(sha384.subarray(0, 14))).toBe('305406082a8648ce3d0403030348');
    expect(parseSignatureValue(sha384).oid).toBe('1.2.840.10045.4.3.3');
    expect(() => buildSignatureValue(ecdsaDer, 'x.y')).toThrow(RangeError);
  });
});

describe('ecdsaDerFromIntegers', () => {
  it('adds the sign byte where the top bit is set and trims superfluous zeros', () => {
    expect(toHex(ecdsaDerFromIntegers(hexBytes('a9'), hexBytes('00001e')))).toBe('3007020200a902011e');
    expect(toHex(ecdsaDerFromIntegers(hexBytes(FND_R), hexBytes(FND_S)))).toBe(FND_SIGNATURE_VALUE.slice(30));
    expect(toHex(ecdsaDerFromIntegers(new Uint8Array(0), hexBytes('00')))).toBe('3006020100020100');
  });
});
