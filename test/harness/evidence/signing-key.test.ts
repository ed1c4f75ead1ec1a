/** `hil certify --key` and `hil verify --pub` take paths; a key pasted in their place is named, never echoed. */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../core/errors.js';
import { loadLabKey, loadPublicKey } from '../../../harness/evidence/signing-key.js';
import { expectConfigError } from '../../support/errors.js';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const KEY_PEM = privateKey.export({ type: 'sec1', format: 'pem' }) as string;
const PUB_PEM = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string;
const DER_BASE64 = (privateKey.export({ type: 'sec1', format: 'der' }) as Buffer).toString('base64');
const PEM_NOT_PATH = "holds PEM text instead of a path; write it to a file and give the file's path (the text is not shown)";
const NOT_SHOWN = '(not shown: it looks like key material; give the path of a PEM file)';

/** `fn`'s ConfigError, checked to carry no line of the key. */
function refusal(fn: () => unknown, want: { where: string; code: ConfigError['code']; reason: string }): void {
  const e = expectConfigError(fn, want);
  for (const line of KEY_PEM.split('\n').slice(1, -2)) expect(e.message).not.toContain(line.slice(0, 20));
  for (const line of PUB_PEM.split('\n').slice(1, -2)) expect(e.message).not.toContain(line.slice(0, 20));
  expect(e.message).not.toContain(DER_BASE64.slice(0, 20));
}

describe('--key', () => {
  test('PEM text given in place of the path', () => {
    refusal(() => loadLabKey(KEY_PEM), { where: '--key', code: 'value', reason: PEM_NOT_PATH });
  });

  test('one line of base64 DER given in place of the path', () => {
    refusal(() => loadLabKey(DER_BASE64), { where: `--key ${NOT_SHOWN}`, code: 'file', reason: 'cannot read the key file: ENOENT' });
  });

  test('a path that is not there is still named', () => {
    expectConfigError(() => loadLabKey('/lab/keys/evidence.pem'), { where: '--key /lab/keys/evidence.pem', code: 'file', reason: 'cannot read the key file: ENOENT' });
  });
});

describe('--pub', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-pub-'));
    writeFileSync(join(dir, 'lab.pem'), KEY_PEM);
    writeFileSync(join(dir, 'lab.pub.pem'), PUB_PEM);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('PEM text given in place of the path', () => {
    refusal(() => loadPublicKey(KEY_PEM), { where: '--pub', code: 'value', reason: PEM_NOT_PATH });
    refusal(() => loadPublicKey(PUB_PEM), { where: '--pub', code: 'value', reason: PEM_NOT_PATH });
  });

  test('the private key file: a bundle is checked with public material only', () => {
    const file = join(dir, 'lab.pem');
    refusal(() => loadPublicKey(file), { where: `--pub ${file}`, code: 'value', reason: 'holds a private key; give the public key or certificate' });
    expect(loadPublicKey(join(dir, 'lab.pub.pem')).asymmetricKeyType).toBe('ec');
  });
});
