/**
 * NMS signatures made inside a PKCS#11 token (SoftHSM2, set up per test in a folder of its own):
 * they verify exactly as PEM-signed ones do, a virtual meter registers against them, and every
 * failure names the token and the cause but never the PIN.
 */
import { createPrivateKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, ResourceError } from '../../../core/errors.js';
import { openBench } from '../../../harness/app/open-bench.js';
import { loadRig } from '../../../harness/config/rig.js';
import { parseSignatureValue } from '../../../harness/csmp/asn1.js';
import { decodePayload } from '../../../harness/csmp/payload.js';
import { checkSignedPayload } from '../../../harness/csmp/signature.js';
import { signerFromRig } from '../../../harness/nms/from-rig.js';
import { openPkcs11Key } from '../../../harness/nms/pkcs11-key.js';
import { NmsSigner } from '../../../harness/nms/signing.js';
import { SOFTHSM_MODULE, SoftHsm } from '../../support/softhsm.js';
import { ROOT, tempDir, writeRig } from '../../suites/support/rigs.js';

const KEY_PEM = join(ROOT, 'rigs', 'virtual', 'keys', 'nms-key.pem');
const CERT_PEM = join(ROOT, 'rigs', 'virtual', 'keys', 'nms-cert.pem');
const BODY = Uint8Array.of(0x07, 0x03, 0x0a, 0x01, 0x31); // SessionID "1"
const NOW_MS = 1_767_225_600_000; // 2026-01-01

describe('signing through a PKCS#11 token (SoftHSM2)', () => {
  let hsm: SoftHsm;
  const env = () => ({ HIL_TEST_HSM_PIN: hsm.pin });
  const spec = (over: Record<string, unknown> = {}) => ({ module: SOFTHSM_MODULE, token: hsm.token, key: 'csmp', pinEnv: 'HIL_TEST_HSM_PIN', ...over });

  beforeAll(() => {
    hsm = SoftHsm.create();
    // The virtual rig's fixture key, so the virtual meters (which trust nms-cert.pem) accept the token's signatures.
    hsm.importKey(createPrivateKey(readFileSync(KEY_PEM, 'utf8')), 'csmp');
    hsm.generateKey('made-in-token');
  });
  afterAll(() => hsm.remove());

  test('a token signature is a DER ECDSA-Sig-Value that verifies like a PEM-signed one', async () => {
    const key = await openPkcs11Key(spec(), env());
    try {
      const cert = readFileSync(CERT_PEM, 'utf8');
      const token = new NmsSigner({ key, certificate: cert });
      const pem = await NmsSigner.load(KEY_PEM, CERT_PEM);
      const a = token.sign(BODY, NOW_MS);
      const b = pem.sign(BODY, NOW_MS);
      // Same TLVs before the signature, same checks after it.
      expect(Buffer.from(a.subarray(0, BODY.length + 12))).toEqual(Buffer.from(b.subarray(0, BODY.length + 12)));
      expect(checkSignedPayload(a, cert, NOW_MS / 1000)).toEqual({ outcome: 'ok' });
      expect(checkSignedPayload(b, cert, NOW_MS / 1000)).toEqual({ outcome: 'ok' });
      expect(token.verify(a, NOW_MS)).toEqual({ outcome: 'ok' });
      // The wrapper carries a strict DER SEQUENCE { r, s } that node:crypto's DER verify accepts as is.
      const sig = decodePayload(a).tlvs.find((t) => t.type === 77)!.value!['value'] as Uint8Array;
      const parsed = parseSignatureValue(sig);
      expect(parsed.oid).toBe('1.2.840.10045.4.3.2');
      const signedPart = a.subarray(0, decodePayload(a).tlvs.find((t) => t.type === 77)!.offset);
      expect(verify('sha256', signedPart, { key: token.publicKey, dsaEncoding: 'der' }, parsed.ecdsaDer)).toBe(true);
      // A damaged byte fails as it would for PEM.
      const bad = Uint8Array.from(a);
      bad[4]! ^= 0x01; // SessionID "1" becomes "0"
      expect(checkSignedPayload(bad, cert, NOW_MS / 1000).outcome).toBe('badAuth');
      // Many signatures: r and s with a high bit or a leading zero byte convert to minimal DER too.
      for (let i = 0; i < 200; i++) expect(token.verify(token.sign(Uint8Array.of(0x07, 0x02, 0x0a, i & 0x7f), NOW_MS), NOW_MS)).toEqual({ outcome: 'ok' });
      expect(JSON.stringify(token)).toBe(`{"signer":"NmsSigner","key":"PKCS#11 token '${hsm.token}' key 'csmp'","validity":{"beforeS":600,"afterS":3600}}`);
    } finally {
      key.close?.();
    }
  });

  test('a key generated in the token: the public key comes from the token itself', async () => {
    const key = await openPkcs11Key(spec({ key: 'made-in-token', token: undefined, slot: hsm.slot }), env());
    try {
      expect(key.publicKey).toBeDefined();
      const signer = new NmsSigner({ key });
      expect(signer.verify(signer.sign(BODY, NOW_MS), NOW_MS)).toEqual({ outcome: 'ok' });
      // …and it is not the imported key: the virtual meters' certificate refuses it.
      expect(() => new NmsSigner({ key, certificate: readFileSync(CERT_PEM, 'utf8') })).toThrow(
        `nms.signing: the private key (PKCS#11 slot ${hsm.slot} key 'made-in-token') does not match the certificate`,
      );
    } finally {
      key.close?.();
    }
  });

  test('failures name the token and the cause, never the PIN', async () => {
    await expect(openPkcs11Key(spec(), {})).rejects.toThrow(
      new ConfigError('nms.signing.pkcs11.pinEnv', 'missing', `environment variable HIL_TEST_HSM_PIN is not set (it holds the user PIN of PKCS#11 token '${hsm.token}')`),
    );
    const wrong = await openPkcs11Key(spec(), { HIL_TEST_HSM_PIN: 'not-the-pin-9911' }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(wrong).toBeInstanceOf(ResourceError);
    expect(wrong!.message).toBe(`PKCS#11 token '${hsm.token}': login failed: CKR_PIN_INCORRECT`);
    expect(JSON.stringify(wrong) + String(wrong!.stack)).not.toContain('not-the-pin-9911');
    await expect(openPkcs11Key(spec({ key: 'nope' }), env())).rejects.toThrow(`PKCS#11 token '${hsm.token}': no private key labelled 'nope'`);
    await expect(openPkcs11Key(spec({ token: 'other' }), env())).rejects.toThrow(new RegExp(`^PKCS#11 token 'other': no such token \\(present: slot \\d+ '${hsm.token}'`));
    await expect(openPkcs11Key(spec({ module: '/nonexistent/libpkcs11.so' }), env())).rejects.toThrow(/^\/nonexistent\/libpkcs11\.so: cannot load the PKCS#11 module: /);
    // After all that the token still works: nothing was left logged in or half-initialised.
    const key = await openPkcs11Key(spec(), env());
    key.close?.();
  });

  test('a virtual meter registers with the NMS signing through the token', async () => {
    const tmp = tempDir();
    const previous = process.env['HIL_TEST_HSM_PIN'];
    process.env['HIL_TEST_HSM_PIN'] = hsm.pin;
    try {
      const file = writeRig(tmp.dir, 'hsm', [{}], (r) => {
        const nms = r.nms as { signing: Record<string, unknown> };
        nms.signing = { cert: CERT_PEM, pkcs11: spec() };
      });
      const rig = await loadRig(file);
      expect(rig.nms.signing.pkcs11).toEqual(spec());
      const b = await openBench(rig, { runDir: join(tmp.dir, 'run') });
      try {
        await b.nms.devices.waitForState('meter-1', 'up', b.bench.toClockMs(20_000));
        const stats = await b.nms.client.get('meter-1', 45, { timeoutMs: b.bench.toClockMs(5000) });
        const cgms = stats.tlvs.find((t) => t.type === 45)!.value!;
        expect(cgms['sigOk']).toBeGreaterThanOrEqual(1);
        expect(cgms['sigBadAuth'] ?? 0).toBe(0);
      } finally {
        await b.close();
      }
      // The bench closed the token session: a new signer opens it again.
      (await signerFromRig(rig.nms.signing)).close();
    } finally {
      if (previous === undefined) delete process.env['HIL_TEST_HSM_PIN'];
      else process.env['HIL_TEST_HSM_PIN'] = previous;
      tmp.cleanup();
    }
  }, 60_000);
});
