/** The rig's key path is in every message about the key file; a key pasted in its place is not. */
import { generateKeyPairSync } from 'node:crypto';
import { ResourceError } from '../../../core/errors.js';
import { loadPrivateKeyPem } from '../../../harness/nms/key-file.js';
import { expectErrorLike, rejection } from '../../support/errors.js';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const DER_BASE64 = (privateKey.export({ type: 'sec1', format: 'der' }) as Buffer).toString('base64');
const SCALAR_HEX = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url').toString('hex');

describe('loadPrivateKeyPem names the setting, not the text', () => {
  test.each([
    ['one line of base64 DER', DER_BASE64],
    ['the scalar in hex', SCALAR_HEX],
  ])('%s', async (_, text) => {
    const e = expectErrorLike(await rejection(loadPrivateKeyPem(text)), ResourceError, {
      resource: 'nms.signing.key (not shown: it looks like key material; give the path of a PEM file)',
      code: 'missing',
      reason: 'cannot read private key file (ENOENT)',
    });
    expect(e.message).toBe('nms.signing.key (not shown: it looks like key material; give the path of a PEM file): cannot read private key file (ENOENT)');
  });

  test('a path is shown', async () => {
    expectErrorLike(await rejection(loadPrivateKeyPem('/lab/keys/nms-key.pem')), ResourceError, {
      resource: '/lab/keys/nms-key.pem',
      code: 'missing',
      reason: 'cannot read private key file (ENOENT)',
    });
  });
});
