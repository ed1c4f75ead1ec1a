import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ResourceError } from '../../../core/errors.js';
import { expectErrorLike, rejection } from '../../support/errors.js';
import { buildSignatureValue, parseSignatureValue } from '../../../harness/csmp/asn1.js';
import {
  privateKeyFromScalar,
  publicKeyFrom,
  publicKeyFromPoint,
  publicKeyPoint,
} from '../../../harness/csmp/keys.js';
import { loadPrivateKeyPem } from '../../../harness/nms/key-file.js';
import { buildPayload } from '../../../harness/csmp/payload.js';
import {
  appendSignature,
  checkSignedPayload,
  checkValidity,
  signPayload,
  signatureCounter,
  signedBytes,
  verifySignature,
} from '../../../harness/csmp/signature.js';
import { decodeTlvs } from '../../../harness/csmp/tlv.js';
import {
  SIG_TEST_PRIVATE_SCALAR,
  SIG_TEST_PUBLIC_POINT,
  SIG_VECTOR_PAYLOAD,
  SIG_VECTOR_SIGNED_LENGTH,
} from './vectors.js';
import { FND_RESPONSE_PAYLOAD, FND_SIGNATURE_VALUE, FND_SIGNED_BYTES } from '../../support/register-vector.js';
import { hexBytes } from '../../support/hex.js';
import { toHex } from '../../../core/bytes.js';

const certificate = readFile(new URL('./fixtures/sig-vector-cert.pem', import.meta.url), 'utf8');
const vector = hexBytes(SIG_VECTOR_PAYLOAD);
const vectorPrefix = vector.subarray(0, SIG_VECTOR_SIGNED_LENGTH);
const vectorSignature = vector.subarray(SIG_VECTOR_SIGNED_LENGTH + 4);
const point = hexBytes(SIG_TEST_PUBLIC_POINT);
const INSIDE = 1_800_000_000; // inside the 8.8 window [1700000000, 1900000000]

describe('the 8.8 signature vector', () => {
  it('is 122 bytes; the signature covers the first 32', () => {
    expect(vector.length).toBe(122);
    const tlvs = decodeTlvs(vector);
    expect(tlvs.map((t) => t.type)).toEqual([13, 7, 76, 77]);
    expect(toHex(signedBytes(vector, tlvs)!)).toBe('0d0b088407120232321202333507030a01314c0c0880e2cfaa061080e6fe8907');
    expect(vectorSignature.length).toBe(86);
  });

  it('derives the published public key from the private scalar', () => {
    const key = privateKeyFromScalar(hexBytes(SIG_TEST_PRIVATE_SCALAR));
    expect(toHex(publicKeyPoint(key))).toBe(SIG_TEST_PUBLIC_POINT);
  });

  it('verifies with the 65-byte point, a KeyObject, the private key and a PEM certificate', async () => {
    expect(verifySignature(vectorPrefix, vectorSignature, point)).toEqual({ outcome: 'ok' });
    expect(verifySignature(vectorPrefix, vectorSignature, publicKeyFromPoint(point))).toEqual({ outcome: 'ok' });
    expect(verifySignature(vectorPrefix, vectorSignature, privateKeyFromScalar(hexBytes(SIG_TEST_PRIVATE_SCALAR)))).toEqual({ outcome: 'ok' });
    expect(verifySignature(vectorPrefix, vectorSignature, await certificate)).toEqual({ outcome: 'ok' });
    const spki = publicKeyFromPoint(point).export({ type: 'spki', format: 'pem' }) as string;
    expect(verifySignature(vectorPrefix, vectorSignature, spki)).toEqual({ outcome: 'ok' });
  });

  it('passes the whole device check inside its window, at both inclusive bounds', () => {
    for (const now of [1_700_000_000, INSIDE, 1_900_000_000]) {
      expect(checkSignedPayload(vector, point, now)).toEqual({ outcome: 'ok' });
    }
  });

  it('fails validity one second outside, before any ECDSA check', () => {
    expect(checkSignedPayload(vector, point, 1_699_999_999)).toEqual({
      outcome: 'badValidity',
      reason: 'now 1699999999 is outside [1700000000, 1900000000]',
      notBefore: 1_700_000_000,
      notAfter: 1_900_000_000,
      now: 1_699_999_999,
    });
    expect(checkSignedPayload(vector, point, 1_900_000_001).outcome).toBe('badValidity');
    const wrongKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
    expect(checkSignedPayload(vector, wrongKey, 1).outcome).toBe('badValidity');
  });

  it('fails authentication for an altered byte, a wrong key or a mangled wrapper', () => {
    const altered = vector.slice();
    altered[8] ^= 0x01; // "22" becomes "32" inside ReportSubscribe
    expect(checkSignedPayload(altered, point, INSIDE)).toEqual({ outcome: 'badAuth', reason: 'ECDSA verification failed' });

    const wrongKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
    expect(checkSignedPayload(vector, wrongKey, INSIDE).outcome).toBe('badAuth');

    const mangled = vector.slice();
    mangled[SIG_VECTOR_SIGNED_LENGTH + 4] = 0x31;
    const check = checkSignedPayload(mangled, point, INSIDE);
    expect(check.outcome).toBe('badAuth');
    expect(check).toMatchObject({ error: { layer: 'asn1', offset: 0 } });
  });

  it('reports missing validity and missing signature', () => {
    const tlvs = decodeTlvs(vector);
    const withoutValidity = buildPayload(
      [
        { type: 13, raw: tlvs[0]!.value },
        { type: 7, raw: tlvs[1]!.value },
        { type: 77, raw: tlvs[3]!.value },
      ],
      { lengthStyle: 'minimal' },
    );
    expect(checkSignedPayload(withoutValidity, point, INSIDE)).toEqual({ outcome: 'missingValidity', reason: 'no SignatureValidity' });
    expect(checkSignedPayload(vectorPrefix, point, INSIDE)).toEqual({ outcome: 'missingSignature', reason: 'no Signature TLV' });
  });

  it('ignores a SignatureValidity placed after the Signature: it is not signed', () => {
    const tlvs = decodeTlvs(vector);
    const moved = buildPayload(
      [
        { type: 13, raw: tlvs[0]!.value },
        { type: 7, raw: tlvs[1]!.value },
        { type: 77, raw: tlvs[3]!.value },
        { type: 76, raw: tlvs[2]!.value },
      ],
      { lengthStyle: 'minimal' },
    );
    expect(checkSignedPayload(moved, point, INSIDE).outcome).toBe('missingValidity');
  });

  it('checks the algorithm OID unless told to behave like the reference agent', () => {
    const ecdsaDer = parseSignatureValue(vectorSignature).ecdsaDer;
    const sha384Oid = buildSignatureValue(ecdsaDer, '1.2.840.10045.4.3.3');
    expect(verifySignature(vectorPrefix, sha384Oid, point)).toEqual({
      outcome: 'badAuth',
      reason: 'algorithm 1.2.840.10045.4.3.3 is not ecdsa-with-SHA256',
    });
    expect(verifySignature(vectorPrefix, sha384Oid, point, { checkAlgorithm: false })).toEqual({ outcome: 'ok' });
  });
});

describe('FND registration response (doc 8.4)', () => {
  const payload = hexBytes(FND_RESPONSE_PAYLOAD);

  it('signs payload bytes 0-29', () => {
    expect(toHex(signedBytes(payload, decodeTlvs(payload))!)).toBe(FND_SIGNED_BYTES);
  });

  it('has a well-formed wrapper that our test key does not verify (FND\'s key is not published)', () => {
    expect(verifySignature(hexBytes(FND_SIGNED_BYTES), hexBytes(FND_SIGNATURE_VALUE), point)).toEqual({
      outcome: 'badAuth',
      reason: 'ECDSA verification failed',
    });
    // FND's window contains the capture time 2020-12-17T02:59:33Z.
    expect(checkSignedPayload(payload, point, 1_608_173_973).outcome).toBe('badAuth');
    expect(checkSignedPayload(payload, point, 1_700_000_000).outcome).toBe('badValidity');
  });
});

describe('signing', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  it('produces a wrapper of at most 88 bytes that verifies', () => {
    for (let i = 0; i < 20; i++) {
      const prefix = new Uint8Array([i, 1, 2, 3]);
      const value = signPayload(prefix, privateKey);
      expect(value.length).toBeGreaterThanOrEqual(80);
      expect(value.length).toBeLessThanOrEqual(88);
      expect(toHex(value.subarray(0, 12))).toBe('30' + (value.length - 2).toString(16) + '06082a8648ce3d040302');
      expect(verifySignature(prefix, value, publicKey)).toEqual({ outcome: 'ok' });
    }
  });

  it('appendSignature builds a payload the device check accepts, in both length styles', () => {
    const prefix = buildPayload(
      [
        { type: 'ReportSubscribe', fields: { interval: 900, tlvid: ['22', '35'] } },
        { type: 'SessionID', fields: { id: '1' } },
        { type: 'SignatureValidity', fields: { notBefore: 1_700_000_000, notAfter: 1_900_000_000 } },
      ],
      { lengthStyle: 'minimal' },
    );
    expect(toHex(prefix)).toBe(toHex(vectorPrefix));
    const key = privateKeyFromScalar(hexBytes(SIG_TEST_PRIVATE_SCALAR));
    for (const lengthStyle of ['minimal', 'agent'] as const) {
      const signed = appendSignature(prefix, key, { lengthStyle });
      expect(checkSignedPayload(signed, point, INSIDE)).toEqual({ outcome: 'ok' });
      expect(toHex(signed.subarray(0, 32))).toBe(toHex(prefix));
    }
  });
});

describe('checkValidity', () => {
  it.each([
    [{ notBefore: 10, notAfter: 20 }, 10, 'ok'],
    [{ notBefore: 10, notAfter: 20 }, 20, 'ok'],
    [{ notBefore: 10, notAfter: 20 }, 9, 'badValidity'],
    [{ notBefore: 10, notAfter: 20 }, 21, 'badValidity'],
    [{ notBefore: 0, notAfter: 0 }, 0, 'ok'],
    [{ notBefore: 10 }, 15, 'missingValidity'],
    [{ notAfter: 20 }, 15, 'missingValidity'],
    [undefined, 15, 'missingValidity'],
  ] as const)('%j at %d → %s', (validity, now, outcome) => {
    expect(checkValidity(validity, now).outcome).toBe(outcome);
  });
});

describe('signatureCounter', () => {
  it('maps outcomes onto the CGMSStats counters (doc 7.5)', () => {
    expect(signatureCounter('ok')).toBe('sigOk');
    expect(signatureCounter('badAuth')).toBe('sigBadAuth');
    expect(signatureCounter('badValidity')).toBe('sigBadValidity');
    expect(signatureCounter('missingValidity')).toBeUndefined();
    expect(signatureCounter('missingSignature')).toBeUndefined();
  });
});

describe('keys never leak into messages', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csmp-keys-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function pemBody(pem: string): string {
    return pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  }

  it('loads an unencrypted P-256 PEM (PKCS#8 and SEC1)', async () => {
    const key = privateKeyFromScalar(hexBytes(SIG_TEST_PRIVATE_SCALAR));
    for (const type of ['pkcs8', 'sec1'] as const) {
      const path = join(dir, `nms-${type}.pem`);
      await writeFile(path, key.export({ type, format: 'pem' }));
      const loaded = await loadPrivateKeyPem(path);
      expect(toHex(publicKeyPoint(loaded))).toBe(SIG_TEST_PUBLIC_POINT);
    }
  });

  it('names the file, never its content', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const garbage = '-----BEGIN PRIVATE KEY-----\nU0VDUkVULUtFWS1NQVRFUklBTA==\n-----END PRIVATE KEY-----\n';
    const cases: [string, string | undefined, (e: unknown) => ResourceError | ConfigError][] = [
      ['missing.pem', undefined, (e) => expectErrorLike(e, ResourceError, { code: 'missing' })],
      ['garbage.pem', garbage, (e) => expectErrorLike(e, ConfigError, { code: 'value' })],
      ['rsa.pem', rsa, (e) => expectErrorLike(e, ConfigError, { code: 'value' })],
    ];
    for (const [name, content, check] of cases) {
      const path = join(dir, name);
      if (content !== undefined) await writeFile(path, content);
      const error = check(await rejection(loadPrivateKeyPem(path)));
      expect(error.message.startsWith(`${path}: `)).toBe(true);
      expect(error.cause).toBeUndefined();
      if (content) {
        expect(error.message).not.toContain(pemBody(content).slice(0, 16));
        expect(String(error)).not.toContain('BEGIN');
        expect(error.stack).not.toContain(pemBody(content).slice(0, 16));
      }
    }
  });

  it('key objects and results print no key material', () => {
    const key: KeyObject = privateKeyFromScalar(hexBytes(SIG_TEST_PRIVATE_SCALAR));
    for (const text of [String(key), JSON.stringify(key), String(publicKeyFrom(point))]) {
      expect(text).not.toContain(SIG_TEST_PRIVATE_SCALAR.slice(0, 12));
      expect(text).not.toContain(SIG_TEST_PUBLIC_POINT.slice(2, 14));
      expect(text).not.toContain(Buffer.from(hexBytes(SIG_TEST_PRIVATE_SCALAR)).toString('base64url').slice(0, 12));
    }
    const result = JSON.stringify(checkSignedPayload(vector, point, 1));
    expect(result).not.toContain(SIG_TEST_PUBLIC_POINT.slice(2, 14));
  });

  it('bad keys are refused without echoing them', () => {
    const offCurve = new Uint8Array(65).fill(0x11);
    offCurve[0] = 0x04;
    const cases: [unknown, string][] = [
      [offCurve, 'public key: the point is not on P-256'],
      [point.subarray(0, 64), 'public key: expected a 65-byte uncompressed point starting 04 (got 64 bytes)'],
      ['-----BEGIN PUBLIC KEY-----\nU0VDUkVU\n-----END PUBLIC KEY-----', 'public key: text is not a PEM certificate or key'],
      [generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey, 'public key: not an ECDSA P-256 (prime256v1) key'],
    ];
    for (const [key, message] of cases) {
      expect(() => verifySignature(vectorPrefix, vectorSignature, key as KeyObject)).toThrow(new TypeError(message));
    }
    expect(() => privateKeyFromScalar(new Uint8Array(32))).toThrow(new TypeError('private key: not a valid P-256 scalar'));
  });
});
