/** What the virtual rig programs into each meter's flash as the NMS certificate: the certificate alone. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../core/errors.js';
import { loadRig, type Rig } from '../../../harness/config/rig.js';
import { VirtualRig } from '../../../rigs/virtual/rig.js';
import { expectErrorLike } from '../../support/errors.js';

const RIG_FILE = new URL('../../../rigs/virtual.yaml', import.meta.url).pathname;
const CERT_PEM = readFileSync(new URL('../../../rigs/virtual/keys/nms-cert.pem', import.meta.url), 'utf8');
const KEY_PEM = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }) as string;

describe('meter provisioning with the rig certificate file', () => {
  let dir: string;
  let rig: Rig;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hil-vrig-cert-'));
    // Without the file checks, as a rig reaches VirtualRig.start from `hil list` or a library caller.
    rig = await loadRig(RIG_FILE, { checkFiles: false });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts the rig with a certificate file holding `text`: what it refused with, or each meter's flash certificate. */
  async function start(name: string, text: string): Promise<unknown> {
    writeFileSync(join(dir, name), text);
    const withCert = { ...rig, nms: { ...rig.nms, signing: { ...rig.nms.signing, cert: join(dir, name) } } };
    return VirtualRig.start(withCert, join(dir, `run-${name}`)).then(
      async (sim) => {
        const flashed = [...sim.meters.values()].map((m) => readFileSync(m.flash.path('nmsCert'), 'utf8'));
        await sim.stop();
        return flashed;
      },
      (e: unknown) => e,
    );
  }

  test('a file that holds a private key is refused before any meter is made', async () => {
    const file = join(dir, 'combined.pem');
    const e = expectErrorLike(await start('combined.pem', KEY_PEM + CERT_PEM), ConfigError, {
      where: 'nms.signing.cert',
      code: 'value',
      reason: `${file} holds a private key; the certificate is sent to devices, so give the certificate alone`,
    });
    expect(e.message).not.toContain(KEY_PEM.split('\n')[1]!.slice(0, 20));
  });

  test('only the certificate block of a file with text around it reaches the flash', async () => {
    expect(await start('text.pem', `subject=CN = csmp-hil test NMS\n${CERT_PEM}`)).toEqual([CERT_PEM, CERT_PEM, CERT_PEM, CERT_PEM]);
  });
});
