import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { envelope, keyId, pae, verifyEnvelope } from '../../../harness/evidence/dsse.js';

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
