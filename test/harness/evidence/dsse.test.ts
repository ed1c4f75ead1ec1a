import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { decodeBase64Strict, envelope, keyId, pae, verifyEnvelope } from '../../../harness/evidence/dsse.js';

const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });

test('PAE as the DSSE spec defines it, with its own example', () => {
  // github.com/secure-systems-lab/dsse protocol.md, "Test vectors".
  expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString('utf8')).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  // Lengths are bytes, not characters.
  expect(pae('tÿpe', Buffer.from('é')).toString('utf8')).toBe('DSSEv1 5 tÿpe 2 é');
  expect(pae('', new Uint8Array(0)).toString('utf8')).toBe('DSSEv1 0  0 ');
});

test('a signed envelope verifies with its key, names the key, and refuses another key or no signature', () => {
  const env = envelope('application/vnd.in-toto+json', Buffer.from('{"a":1}'), signer);
  expect(env.signatures).toHaveLength(1);
  expect(env.signatures[0]!.keyid).toBe(keyId(signer.publicKey));
  expect(verifyEnvelope(env, signer.publicKey)).toEqual({ ok: true, keyid: keyId(signer.publicKey), payload: Buffer.from('{"a":1}') });
  expect(verifyEnvelope(env, stranger.publicKey)).toEqual({
    ok: false,
    reason: `no signature by key ${keyId(stranger.publicKey).slice(0, 16)}… (signed by ${keyId(signer.publicKey).slice(0, 16)}…)`,
  });
  expect(verifyEnvelope(envelope('t', Buffer.from('x')), signer.publicKey)).toEqual({ ok: false, reason: 'the envelope is not signed' });
  // The type is signed too: the same payload under another type does not verify.
  expect(verifyEnvelope({ ...env, payloadType: 'application/json' }, signer.publicKey).ok).toBe(false);
});

test('property: any payload round-trips, and any changed byte of it breaks the signature', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (payload, at, flip) => {
      const env = envelope('application/vnd.in-toto+json', payload, signer);
      const ok = verifyEnvelope(env, signer.publicKey);
      expect(ok.ok && Buffer.compare(ok.payload, Buffer.from(payload))).toBe(0);
      const changed = Buffer.from(payload);
      changed[at % changed.length] ^= flip;
      expect(verifyEnvelope({ ...env, payload: changed.toString('base64') }, signer.publicKey).ok).toBe(false);
    }),
    { numRuns: 60 },
  );
});

test('payload and sig are canonical standard base64 or refused, the field named (a lenient decoder stops at the padding)', () => {
  const env = envelope('application/vnd.in-toto+json', Buffer.from('{"a":1}'), signer);
  expect(env.payload).toBe('eyJhIjoxfQ==');
  const why = (field: string) => `${field} is not canonical standard base64 (RFC 4648 section 4, padded, no other characters): refused`;
  for (const payload of ['eyJhIjoxfQ==AAAA{"x":1}', 'eyJhIjoxfQ', 'eyJhIjoxfQ==\n', ' eyJhIjoxfQ==', 'eyJh Ijox fQ==', 'eyJhIjoxfR==']) {
    expect(verifyEnvelope({ ...env, payload }, signer.publicKey)).toEqual({ ok: false, reason: why('payload') });
  }
  const sig = env.signatures[0]!.sig;
  const urlSafe = sig.replace(/\+/g, '-').replace(/\//g, '_');
  // Never canonical, whatever the signature's length (`${sig}AAAA` would be, for a 72-byte DER: 96 characters, no padding).
  for (const bad of [`${sig}AAAA{"x":1}`, `${sig}\n`, sig.endsWith('=') ? sig.replace(/=+$/, '') : `${sig}=`, ...(urlSafe !== sig ? [urlSafe] : [])]) {
    expect(verifyEnvelope({ ...env, signatures: [{ ...env.signatures[0]!, sig: bad }] }, signer.publicKey)).toEqual({ ok: false, reason: why('signatures[0].sig') });
  }
  expect(verifyEnvelope(env, signer.publicKey).ok).toBe(true);
  expect(decodeBase64Strict('eyJhIjoxfQ==')).toEqual(Buffer.from('{"a":1}'));
  expect([decodeBase64Strict('eyJhIjoxfQ==AAAA'), decodeBase64Strict(''), decodeBase64Strict(7)]).toEqual([undefined, Buffer.alloc(0), undefined]);
});
