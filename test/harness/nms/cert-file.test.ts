/** The NMS certificate as the signer reads it: never a private key, which node would happily turn into a "certificate". */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicKeyFrom } from '../../../harness/csmp/keys.js';
import { signerFromRig } from '../../../harness/nms/from-rig.js';
import { NmsSigner } from '../../../harness/nms/signing.js';
import { expectConfigError, expectConfigRejection } from '../../support/errors.js';

const CERT_PEM = readFileSync(new URL('../../../rigs/virtual/keys/nms-cert.pem', import.meta.url), 'utf8');
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const KEY_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const HOLDS_KEY = 'holds a private key; the certificate is sent to devices, so give the certificate alone';
const TEXT_HOLDS_KEY = new TypeError('public key: the text holds a private key; give a certificate or public key');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hil-cert-file-'));
  writeFileSync(join(dir, 'k.pem'), KEY_PEM);
  writeFileSync(join(dir, 'combined.pem'), KEY_PEM + CERT_PEM);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a private key is never taken for the certificate', () => {
  test.each(['k.pem', 'combined.pem'])('the signer refuses %s as nms.signing.cert', async (name) => {
    await expectConfigRejection(NmsSigner.load(join(dir, 'k.pem'), join(dir, name)), { where: 'nms.signing.cert', code: 'value', reason: `${join(dir, name)} ${HOLDS_KEY}` });
  });

  test('so does a token-signed rig, before it opens the token', async () => {
    const pkcs11 = { module: '/nonexistent/libpkcs11.so', token: 'fnd', key: 'csmp', pinEnv: 'HIL_HSM_PIN' };
    await expectConfigRejection(signerFromRig({ cert: join(dir, 'k.pem'), pkcs11 }), { where: 'nms.signing.cert', code: 'value', reason: `${join(dir, 'k.pem')} ${HOLDS_KEY}` });
  });

  test('publicKeyFrom derives no public key from private key text; a certificate or public key is taken', () => {
    expect(() => publicKeyFrom(KEY_PEM)).toThrow(TEXT_HOLDS_KEY);
    expect(() => publicKeyFrom(KEY_PEM + CERT_PEM)).toThrow(TEXT_HOLDS_KEY);
    expect(publicKeyFrom(CERT_PEM).asymmetricKeyType).toBe('ec');
    const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string;
    expect(publicKeyFrom(spki).export({ format: 'jwk' })).toEqual(createPublicKey(privateKey).export({ format: 'jwk' }));
  });

  test('NmsSigner refuses a private KeyObject as its certificate', () => {
    expectConfigError(() => new NmsSigner({ privateKey, certificate: privateKey }), {
      where: 'nms.signing.cert',
      code: 'value',
      reason: 'a private key was given as the certificate; give the certificate (or public key) devices verify with',
    });
  });
});
