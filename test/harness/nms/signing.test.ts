import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { parseRig } from '../../../harness/config/rig.js';
import { nmsFromRig } from '../../../harness/nms/from-rig.js';
import { NmsSigner } from '../../../harness/nms/signing.js';
import { expectConfigError } from '../../support/errors.js';
import { TEST_CERT, TEST_KEY } from './scripted-device.js';

describe('NmsSigner', () => {
  it('never shows the private key in JSON, inspection or enumeration', () => {
    const signer = new NmsSigner({ privateKey: TEST_KEY, certificate: TEST_CERT });
    const d = TEST_KEY.export({ format: 'jwk' }).d!;
    for (const text of [JSON.stringify(signer), inspect(signer, { depth: 5, showHidden: false }), JSON.stringify(Object.entries(signer))]) {
      expect(text).not.toContain(d);
      expect(text).not.toMatch(/PRIVATE KEY|KeyObject.*private/);
    }
    expect(signer.window(1_700_000_000_999)).toEqual({ notBefore: 1_699_999_400, notAfter: 1_700_003_600 });
  });

  it('refuses a key that does not match the certificate, without naming the key', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const e = expectConfigError(() => new NmsSigner({ privateKey: other, certificate: TEST_CERT }), { where: 'nms.signing', code: 'conflict' });
    expect(e.message).not.toContain(other.export({ format: 'jwk' }).d!.slice(0, 12));
    expect(e.reason).toBe('the private key (PEM key) does not match the certificate');
  });
});

describe('nmsFromRig', () => {
  it('builds the NMS from a rig file: addresses, port, devices, signing key and cert', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nms-rig-'));
    writeFileSync(join(dir, 'nms.key'), TEST_KEY.export({ format: 'pem', type: 'pkcs8' }) as string);
    const cert = fileURLToPath(new URL('../csmp/fixtures/sig-vector-cert.pem', import.meta.url));
    const rig = parseRig(
      [
        'nms:',
        '  addresses: [{ name: fnd, address: "fd00::1" }, { name: vip, address: "fd00::100" }]',
        '  signing: { key: nms.key, cert: ' + JSON.stringify(cert) + ' }',
        'links: [{ name: udp0, kind: udp, bind: "[fd00::1]:61628" }]',
        'devices:',
        '  - name: meter1',
        '    eui64: "00:12:4b:00:00:00:00:01"',
        '    address: "fd00::2"',
        '    link: udp0',
        '    expected: { firmwareVersion: "6.6.99", hwId: "CSMP-HW", firmwareGroup: "317" }',
        '    capabilities: []',
      ].join('\n'),
      join(dir, 'rig.yaml'),
    );
    const nms = await nmsFromRig(rig, { perDevice: { meter1: { reportIntervalS: 60 } } });
    expect(nms.port).toBe(61628);
    expect(nms.addresses.map((a) => a.name)).toEqual(['fnd', 'vip']);
    expect(nms.signing).toBe(true);
    const rec = nms.devices.require('00124B0000000001');
    expect(rec.device).toMatchObject({ name: 'meter1', link: 'udp0', port: 61628 });
    expect(nms.registrationSettings('meter1')).toMatchObject({ reportIntervalS: 60, cgmsSettings: false, sign: true });
  });
});
