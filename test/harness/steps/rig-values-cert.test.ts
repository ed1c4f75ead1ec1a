import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRig } from '../../../harness/config/rig.js';
import { rigVariables } from '../../../harness/steps/rig-values.js';
import { rigYaml } from './support/memory-bench.js';

const CERT_PEM = readFileSync(new URL('../../../rigs/virtual/keys/nms-cert.pem', import.meta.url), 'utf8');
const KEY_PEM = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }) as string;

describe('${nms.certBase64} carries the certificate alone, whatever else its file holds', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'hil-cert-b64-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The variable for a rig whose certificate file holds `text` (loaded without the file checks, as `hil list` does). */
  const certBase64 = (name: string, text: string): string | undefined => {
    writeFileSync(join(dir, name), text);
    const rig = parseRig(rigYaml(1).replace(/cert: '[^']*'/, `cert: '${join(dir, name)}'`), join(dir, 'rig.yaml'), { checkFiles: false });
    expect(rig.nms.signing.cert).toBe(join(dir, name));
    return rigVariables(rig, rig.devices[0]!)['nms.certBase64'];
  };

  test.each([
    ['a key, then the certificate', 'key-then-cert.pem', KEY_PEM + CERT_PEM],
    ['the certificate, then a key', 'cert-then-key.pem', CERT_PEM + KEY_PEM],
    ['openssl x509 -text output around the certificate', 'text.pem', `subject=CN = csmp-hil test NMS\n${CERT_PEM}trailing notes\n`],
  ])('%s', (_, name, text) => {
    expect(certBase64(name, text)).toBe(Buffer.from(CERT_PEM).toString('base64'));
  });

  test('a file with no certificate gives no variable', () => {
    expect(certBase64('key-only.pem', KEY_PEM)).toBeUndefined();
  });
});
