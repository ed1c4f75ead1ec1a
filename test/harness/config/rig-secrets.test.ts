/** A private key pasted into a rig where a path or a name belongs is named by its setting, never shown. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BODY, CERT_PEM, DER_BASE64, expectNoKey, KEY_PEM, rigErrorOf, SCALAR_HEX, signingRig } from './support/signing-rig.js';

let dir: string;
let file: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hil-rig-secrets-'));
  file = join(dir, 'bench.yaml');
  writeFileSync(join(dir, 'k.pem'), KEY_PEM);
  writeFileSync(join(dir, 'c.pem'), CERT_PEM);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a key pasted into nms.signing.key', () => {
  const notFound = 'nms.signing.key: file not found (not shown: it looks like key material; give the path of a PEM file)';

  test('its base64 body as a plain multi-line scalar, which YAML folds into one line with spaces', () => {
    const e = rigErrorOf(signingRig(['  signing:', '    key:', ...BODY.map((l) => `      ${l}`), '    cert: c.pem']), file);
    expect(e).toEqual({ where: `${file}:5:7`, code: 'file', reason: notFound, message: `${file}:5:7: ${notFound}` });
    expectNoKey(e.message);
  });

  test.each([
    ['one line of base64 DER', DER_BASE64],
    ['the scalar in hex', SCALAR_HEX],
  ])('%s', (_, text) => {
    const e = rigErrorOf(signingRig([`  signing: { key: '${text}', cert: c.pem }`]), file);
    expect(e).toEqual({ where: `${file}:3:19`, code: 'file', reason: notFound, message: `${file}:3:19: ${notFound}` });
    expectNoKey(e.message);
  });

  test('a path that is not there is still shown', () => {
    expect(rigErrorOf(signingRig(['  signing: { key: keys/nms-key.pem, cert: c.pem }']), file)).toMatchObject({
      where: `${file}:3:19`,
      code: 'file',
      reason: `nms.signing.key: file not found: ${join(dir, 'keys/nms-key.pem')}`,
    });
  });
});

describe('a line of a key used as a property name', () => {
  test('under nms.signing', () => {
    const e = rigErrorOf(signingRig(['  signing:', '    key: k.pem', `    ${BODY[0]}: x`, '    cert: c.pem']), file, false);
    expect(e).toMatchObject({
      where: `${file}:5:5`,
      code: 'schema',
      reason: 'nms.signing: unknown property (its name is not shown: it looks like key material; expected one of key, cert, pkcs11)',
    });
    expectNoKey(e.message);
  });

  test('in the path to a bad value (a console command named by a key line)', () => {
    const text = signingRig(['  signing: { key: k.pem, cert: c.pem }']).replace(
      'capabilities: [],',
      `capabilities: [], console: { path: /dev/ttyUSB1, prompt: "> ", commands: { ${BODY[1]}: 5 } },`,
    );
    const e = rigErrorOf(text, file, false);
    expect(e).toMatchObject({
      code: 'schema',
      reason: "device 'meter-1': console.commands.(its name is not shown: it looks like key material): must be a string (found 5)",
    });
    expectNoKey(e.message);
  });
});
