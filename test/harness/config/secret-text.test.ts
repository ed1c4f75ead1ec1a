import { generateKeyPairSync } from 'node:crypto';
import { looksLikeKeyMaterial, shownText } from '../../../harness/config/secret-text.js';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const PEM = privateKey.export({ type: 'sec1', format: 'pem' }) as string;
const BODY_LINES = PEM.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
const DER_BASE64 = (privateKey.export({ type: 'sec1', format: 'der' }) as Buffer).toString('base64');
const SCALAR_HEX = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url').toString('hex');

describe('key material is recognised without its PEM armour', () => {
  test.each([
    ['PEM', PEM],
    ['the base64 body as YAML folds a plain scalar (lines joined by spaces)', BODY_LINES.join(' ')],
    ['one line of base64 DER', DER_BASE64],
    ['one body line', BODY_LINES[0]!],
    ['the scalar in hex', SCALAR_HEX],
    ['the scalar in hex, colon-separated as openssl prints it', SCALAR_HEX.match(/../g)!.join(':')],
    ['the scalar in base64url (a JWK d)', privateKey.export({ format: 'jwk' }).d!],
  ])('%s', (_, text) => {
    expect(looksLikeKeyMaterial(text)).toBe(true);
    expect(shownText(text)).toBe('key material (not shown)');
  });

  test.each([
    '/lab/keys/nms-key.pem',
    'virtual/keys/nms-cert.pem',
    '/Users/JohnSmith/Documents/LabKeys/nmskey',
    'Reports the firmware version 5 and hwId of the meter to the NMS',
    'RFLAN/3.60/3.80',
    '2001:0db8:0000:0000:0000:0000:0000:0001',
    '00173bfffe000001',
  ])('a path, a sentence or an id is shown: %s', (text) => {
    expect(looksLikeKeyMaterial(text)).toBe(false);
  });
});
