/** nms.signing.cert is sent to devices (console, flash) and so into reports: it must be the certificate alone. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRig } from '../../../harness/config/rig.js';
import { CERT_PEM, expectNoKey, KEY_PEM, rigErrorOf, signingRig } from './support/signing-rig.js';

let dir: string;
let file: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hil-rig-cert-'));
  file = join(dir, 'bench.yaml');
  writeFileSync(join(dir, 'k.pem'), KEY_PEM);
  writeFileSync(join(dir, 'c.pem'), CERT_PEM);
  writeFileSync(join(dir, 'key-then-cert.pem'), KEY_PEM + CERT_PEM);
  writeFileSync(join(dir, 'cert-then-key.pem'), CERT_PEM + KEY_PEM);
  writeFileSync(join(dir, 'not-a-cert.pem'), 'nms certificate goes here\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('nms.signing.cert must be the certificate alone', () => {
  test.each(['key-then-cert.pem', 'cert-then-key.pem', 'k.pem'])('%s is refused at its cert: value, its contents not shown', (name) => {
    const e = rigErrorOf(signingRig([`  signing: { key: k.pem, cert: ${name} }`]), file);
    expect(e).toEqual({
      where: `${file}:3:32`,
      code: 'value',
      reason: `nms.signing.cert: ${join(dir, name)} holds a private key; the certificate is sent to devices, so give the certificate alone`,
      message: `${file}:3:32: nms.signing.cert: ${join(dir, name)} holds a private key; the certificate is sent to devices, so give the certificate alone`,
    });
    expectNoKey(e.message);
  });

  test('a file with no certificate in it is refused', () => {
    expect(rigErrorOf(signingRig(['  signing: { key: k.pem, cert: not-a-cert.pem }']), file)).toMatchObject({
      where: `${file}:3:32`,
      code: 'value',
      reason: `nms.signing.cert: ${join(dir, 'not-a-cert.pem')} holds no certificate (no -----BEGIN CERTIFICATE----- block that parses as X.509); give the PEM certificate devices verify with`,
    });
  });

  test('a folder is refused', () => {
    expect(rigErrorOf(signingRig([`  signing: { key: k.pem, cert: ${JSON.stringify(dir)} }`]), file)).toMatchObject({
      where: `${file}:3:32`,
      code: 'file',
      reason: `nms.signing.cert: ${dir}: cannot read: it is a folder (EISDIR)`,
    });
  });

  test('the certificate alone loads', () => {
    expect(parseRig(signingRig(['  signing: { key: k.pem, cert: c.pem }']), file).nms.signing).toEqual({ key: join(dir, 'k.pem'), cert: join(dir, 'c.pem') });
  });
});
