import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
      reason: "device 'meter-1': unknown property 'consol' (expected one of name, eui64, address, link, port, console, power, expected, capabilities)",
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
      writeFileSync(join(dir, 'c.pem'), 'cert');
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
