import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../core/errors.js';
import { loadRig, parseRig } from '../../../harness/config/rig.js';
import { expectConfigError, expectConfigRejection, expectErrorLike, thrown } from '../../support/errors.js';

const FILE = 'rigs/bench.yaml';

/** A valid rig; `device` lines are spliced into the first device (which starts at line 14). */
function rig(device: string[] = [], extra: string[] = []): string {
  return [
    'nms:', //                                           1
    '  addresses:', //                                   2
    '    - { name: fnd, address: "2001:db8::10" }', //   3
    '  signing: { key: k.pem, cert: c.pem }', //         4
    'links:', //                                         5
    '  - name: dongle', //                               6
    '    kind: slip', //                                 7
    '    path: /dev/ttyUSB0', //                         8
    'devices:', //                                       9
    '  - name: meter-1', //                              10
    '    eui64: 00:17:3B:00:00:00:00:01', //             11
    '    address: "2001:db8::1"', //                     12
    '    expected: { firmwareVersion: 6.2.19, hwId: A, firmwareGroup: 1001 }', // 13
    ...(device.length ? device : ['    link: dongle', '    capabilities: []']),
    ...extra,
    '',
  ].join('\n');
}

/** The ConfigError a rig text gives, as the fields a test compares. */
function errorOf(text: string): { where: string; code: string; reason: string } {
  const { where, code, reason } = expectErrorLike(thrown(() => parseRig(text, FILE, { checkFiles: false })), ConfigError, {});
  return { where, code, reason };
}

describe('rig loader errors name file:line:col and what is wrong', () => {
  test('undefined link, with the links there are', () => {
    expect(errorOf(rig(['    link: dongle-2', '    capabilities: []']))).toEqual({
      where: 'rigs/bench.yaml:14:11',
      code: 'reference',
      reason: "device 'meter-1': link 'dongle-2' is not defined (links: dongle)",
    });
  });

  test('unknown device property, with the properties there are', () => {
    expect(errorOf(rig(['    link: dongle', '    capabilities: []', '    consol: {}']))).toEqual({
      where: 'rigs/bench.yaml:16:5',
      code: 'schema',
      reason: "device 'meter-1': unknown property 'consol' (expected one of name, eui64, address, link, port, console, power, expected, capabilities, regIntervalMax)",
    });
  });

  test('bad eui64', () => {
    expect(errorOf(rig().replace('00:17:3B:00:00:00:00:01', '00:17:3B'))).toMatchObject({ where: 'rigs/bench.yaml:11:12', code: 'schema' });
  });

  test('unknown link kind', () => {
    expect(errorOf(rig().replace('kind: slip', 'kind: serial'))).toMatchObject({ where: 'rigs/bench.yaml:7:11', code: 'schema' });
  });

  test('a slip link without a path', () => {
    expect(errorOf(rig().replace('    path: /dev/ttyUSB0\n', ''))).toMatchObject({ where: 'rigs/bench.yaml:6:5', code: 'schema' });
  });

  test('device port outside 61628/61624', () => {
    expect(errorOf(rig(['    link: dongle', '    port: 5683', '    capabilities: []']))).toMatchObject({ where: 'rigs/bench.yaml:15:11', code: 'schema' });
  });

  test('power capability without power commands', () => {
    expect(errorOf(rig(['    link: dongle', '    capabilities: [power]']))).toMatchObject({ where: 'rigs/bench.yaml:15:19', code: 'missing' });
  });

  test('device address must be IPv6', () => {
    expect(errorOf(rig().replace('"2001:db8::1"', '10.0.0.1'))).toMatchObject({ where: 'rigs/bench.yaml:12:14', code: 'value' });
  });

  test('eui64 compared after normalisation', () => {
    const second = ['  - name: meter-2', '    eui64: 00173b0000000001', '    address: "2001:db8::2"', '    link: dongle', '    expected: { firmwareVersion: "1", hwId: A, firmwareGroup: 1 }', '    capabilities: []'];
    expect(errorOf(rig([], second))).toMatchObject({ where: 'rigs/bench.yaml:17:12', code: 'conflict' });
  });

  test('tcp:// path needs host:port', () => {
    expect(errorOf(rig().replace('/dev/ttyUSB0', 'tcp://rack7'))).toMatchObject({ where: 'rigs/bench.yaml:8:11', code: 'value' });
  });

  test('a bad console errorPattern', () => {
    const device = ['    link: dongle', '    capabilities: [console]', '    console: { path: /dev/ttyUSB1, prompt: "> ", errorPattern: "[" }'];
    expect(errorOf(rig(device))).toMatchObject({ where: 'rigs/bench.yaml:16:64', code: 'value' });
  });

  test('nms needs an fnd address', () => {
    expect(errorOf(rig().replace('name: fnd', 'name: vip'))).toMatchObject({ where: 'rigs/bench.yaml:3:5', code: 'missing' });
  });

  test('missing signing files are found when checkFiles is on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hil-rig-'));
    try {
      writeFileSync(join(dir, 'k.pem'), 'key');
      const file = join(dir, 'bench.yaml');
      expectConfigError(() => parseRig(rig(), file), { where: `${file}:4:32`, code: 'file' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rig loader results', () => {
  test('defaults, normalised eui64 and paths relative to the rig file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hil-rig-'));
    try {
      writeFileSync(join(dir, 'k.pem'), 'key');
      copyFileSync(new URL('../../../rigs/virtual/keys/nms-cert.pem', import.meta.url), join(dir, 'c.pem'));
      writeFileSync(join(dir, 'bench.yaml'), rig());
      const loaded = await loadRig(join(dir, 'bench.yaml'));
      expect(loaded.name).toBe('bench');
      expect(loaded.nms).toEqual({
        addresses: [{ name: 'fnd', address: '2001:db8::10' }],
        port: 61628,
        signing: { key: join(dir, 'k.pem'), cert: join(dir, 'c.pem') },
      });
      expect(loaded.links).toEqual([{ name: 'dongle', kind: 'slip', path: '/dev/ttyUSB0', baudRate: 115200 }]);
      expect(loaded.devices[0]).toEqual({
        name: 'meter-1',
        eui64: '00173b0000000001',
        address: '2001:db8::1',
        link: 'dongle',
        port: 61628,
        expected: { firmwareVersion: '6.2.19', hwId: 'A', firmwareGroup: '1001' },
        capabilities: [],
      });
      await expectConfigRejection(loadRig(join(dir, 'nope.yaml')), { where: join(dir, 'nope.yaml'), code: 'file' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a device\'s registration retry bound', () => {
  test('regIntervalMax is kept as given, whole seconds from 1', () => {
    const parsed = parseRig(rig(['    link: dongle', '    capabilities: []', '    regIntervalMax: 100']), FILE, { checkFiles: false });
    expect(parsed.devices[0]!.regIntervalMax).toBe(100);
    expect(errorOf(rig(['    link: dongle', '    capabilities: []', '    regIntervalMax: 0'])).where).toBe('rigs/bench.yaml:16:21');
  });
});

describe('usb: serial paths, locks and PKCS#11 signing in the rig', () => {
  const withSigning = (signing: string) => rig().replace('  signing: { key: k.pem, cert: c.pem }', signing);

  test('a usb: path is accepted for a link and a console, and kept as written', () => {
    const device = ['    link: dongle', '    capabilities: [console]', '    console: { path: "usb:serial=FT77,interface=1", prompt: "> " }'];
    const loaded = parseRig(rig(device).replace('/dev/ttyUSB0', 'usb:serial=A10K3XYZ,vendor=0403,product=6001'), FILE, { checkFiles: false });
    expect(loaded.links[0]).toMatchObject({ path: 'usb:serial=A10K3XYZ,vendor=0403,product=6001' });
    expect(loaded.devices[0]!.console!.path).toBe('usb:serial=FT77,interface=1');
  });

  test('a malformed usb: path names the line and the part', () => {
    expect(errorOf(rig().replace('/dev/ttyUSB0', 'usb:vendor=0403'))).toEqual({
      where: 'rigs/bench.yaml:8:11',
      code: 'value',
      reason: "link 'dongle': path \"usb:vendor=0403\": needs serial=<USB serial number>",
    });
    expect(errorOf(rig().replace('/dev/ttyUSB0', 'usb:serial=A1,vendor=xyz'))).toEqual({
      where: 'rigs/bench.yaml:8:11',
      code: 'value',
      reason: "link 'dongle': path \"usb:serial=A1,vendor=xyz\": vendor 'xyz' is not 4 hex digits",
    });
  });

  test('locks: a redis url, or an object with a TTL', () => {
    expect(parseRig(rig([], ['locks: redis://lab-redis:6379']), FILE, { checkFiles: false }).locks).toEqual({ url: 'redis://lab-redis:6379' });
    expect(parseRig(rig([], ['locks: { url: "redis://r:6379/2", ttl: 45s, prefix: rack-7 }']), FILE, { checkFiles: false }).locks).toEqual({
      url: 'redis://r:6379/2',
      ttlMs: 45_000,
      prefix: 'rack-7',
    });
    expect(parseRig(rig(), FILE, { checkFiles: false }).locks).toBeUndefined();
    expect(errorOf(rig([], ['locks: mysql://db']))).toMatchObject({ where: 'rigs/bench.yaml:16:8', code: 'schema', reason: expect.stringMatching(/^locks: /) });
  });

  test('signing through a PKCS#11 token: module, token or slot, key label and the name of the PIN variable', () => {
    const loaded = parseRig(
      withSigning('  signing: { cert: c.pem, pkcs11: { module: /usr/lib/softhsm/libsofthsm2.so, token: fnd, key: csmp, pinEnv: HIL_HSM_PIN } }'),
      '/lab/rigs/bench.yaml',
      { checkFiles: false },
    );
    expect(loaded.nms.signing).toEqual({
      cert: '/lab/rigs/c.pem',
      pkcs11: { module: '/usr/lib/softhsm/libsofthsm2.so', token: 'fnd', key: 'csmp', pinEnv: 'HIL_HSM_PIN' },
    });
    expect(errorOf(withSigning('  signing: { cert: c.pem }'))).toEqual({
      where: 'rigs/bench.yaml:4:12',
      code: 'conflict',
      reason: 'nms.signing: give either key (a PEM file) or pkcs11 (a token), not both or neither',
    });
    expect(errorOf(withSigning('  signing: { cert: c.pem, pkcs11: { module: m.so, key: csmp, pinEnv: PIN } }'))).toEqual({
      where: 'rigs/bench.yaml:4:35',
      code: 'conflict',
      reason: 'nms.signing.pkcs11: give either token (its label) or slot (its id)',
    });
    expect(errorOf(withSigning('  signing: { cert: c.pem, pkcs11: { module: m.so, slot: 0, key: csmp, pin: "1234" } }'))).toMatchObject({
      code: 'schema',
      reason: expect.stringMatching(/unknown property 'pin'/),
    });
  });
});
