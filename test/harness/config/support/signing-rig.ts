/** A rig whose nms.signing section a test writes, a fresh P-256 key in its usual forms, and the errors the rig gives. */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../../../core/errors.js';
import { parseRig } from '../../../../harness/config/rig.js';
import { expectErrorLike, thrown } from '../../../support/errors.js';

export const CERT_PEM = readFileSync(new URL('../../../../rigs/virtual/keys/nms-cert.pem', import.meta.url), 'utf8');
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
export const KEY_PEM = privateKey.export({ type: 'sec1', format: 'pem' }) as string;
/** The base64 lines between the PEM armour. */
export const BODY = KEY_PEM.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
export const DER_BASE64 = (privateKey.export({ type: 'sec1', format: 'der' }) as Buffer).toString('base64');
export const SCALAR_HEX = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url').toString('hex');

/** A valid rig whose `signing` lines start at line 3. */
export function signingRig(signing: string[]): string {
  return [
    'nms:',
    '  addresses: [{ name: fnd, address: "2001:db8::10" }]',
    ...signing,
    'links: [{ name: dongle, kind: slip, path: /dev/ttyUSB0 }]',
    'devices:',
    '  - { name: meter-1, eui64: 00173b0000000001, address: "2001:db8::1", link: dongle, capabilities: [],',
    '      expected: { firmwareVersion: 6.2.19, hwId: A, firmwareGroup: 1001 } }',
    '',
  ].join('\n');
}

export interface RigErrorFields {
  where: string;
  code: string;
  reason: string;
  message: string;
}

export function rigErrorOf(text: string, file: string, checkFiles = true): RigErrorFields {
  const e = expectErrorLike(thrown(() => parseRig(text, file, { checkFiles })), ConfigError, {});
  return { where: e.where, code: e.code, reason: e.reason, message: e.message };
}

/** No line of the key's body, nor its scalar, is in `text`. */
export function expectNoKey(text: string): void {
  for (const line of BODY) expect(text).not.toContain(line.slice(0, 20));
  expect(text).not.toContain(SCALAR_HEX.slice(0, 16));
  expect(text).not.toContain(DER_BASE64.slice(0, 20));
}
