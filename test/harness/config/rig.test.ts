import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../core/errors.js';
import { loadRig, parseRig } from '../../../harness/config/rig.js';

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

function errorOf(text: string): string {
  try {
    parseRig(text, FILE, { checkFiles: false });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('rig loader errors name file:line:col and what is wrong', () => {
  test('undefined link', () => {
    expect(errorOf(rig(['    link: dongle-2', '    capabilities: []']))).toBe(
      "rigs/bench.yaml:14:11: device 'meter-1': link 'dongle-2' is not defined (links: dongle)",
    );
  });

  test('unknown device property', () => {
    expect(errorOf(rig(['    link: dongle', '    capabilities: []', '    consol: {}']))).toBe(
      "rigs/bench.yaml:16:5: device 'meter-1': unknown property 'consol' (expected one of name, eui64, address, link, port, console, power, expected, capabilities)",
    );
  });

  test('bad eui64', () => {
    expect(errorOf(rig().replace('00:17:3B:00:00:00:00:01', '00:17:3B'))).toBe(
      "rigs/bench.yaml:11:12: device 'meter-1': eui64: '00:17:3B' is not valid: expected an EUI-64 of 16 hex digits, optionally in pairs separated by ':' or '-'",
    );
  });

  test('unknown link kind', () => {
    expect(errorOf(rig().replace('kind: slip', 'kind: serial'))).toBe("rigs/bench.yaml:7:11: link 'dongle': kind: 'serial' is not one of slip, udp");
  });

  test('a slip link without a path', () => {
    expect(errorOf(rig().replace('    path: /dev/ttyUSB0\n', ''))).toBe("rigs/bench.yaml:6:5: link 'dongle': missing property 'path'");
  });

  test('device port outside 61628/61624', () => {
    expect(errorOf(rig(['    link: dongle', '    port: 5683', '    capabilities: []']))).toBe(
      "rigs/bench.yaml:15:11: device 'meter-1': port: 5683 is not one of 61628, 61624",
    );
  });

  test('power capability without power commands', () => {
    expect(errorOf(rig(['    link: dongle', '    capabilities: [power]']))).toBe(
      "rigs/bench.yaml:15:19: device 'meter-1': capability 'power' needs a power section",
    );
  });

  test('device address must be IPv6', () => {
    expect(errorOf(rig().replace('"2001:db8::1"', '10.0.0.1'))).toBe("rigs/bench.yaml:12:14: device 'meter-1': '10.0.0.1' is not an IPv6 address");
  });

  test('eui64 compared after normalisation', () => {
    const second = ['  - name: meter-2', '    eui64: 00173b0000000001', '    address: "2001:db8::2"', '    link: dongle', '    expected: { firmwareVersion: "1", hwId: A, firmwareGroup: 1 }', '    capabilities: []'];
    expect(errorOf(rig([], second))).toBe("rigs/bench.yaml:17:12: device 'meter-2': eui64 00173b0000000001 is also used by device 'meter-1'");
  });

  test('tcp:// path needs host:port', () => {
    expect(errorOf(rig().replace('/dev/ttyUSB0', 'tcp://rack7'))).toBe("rigs/bench.yaml:8:11: link 'dongle': path 'tcp://rack7' is not tcp://host:port");
  });

  test('a bad console errorPattern', () => {
    const device = ['    link: dongle', '    capabilities: [console]', '    console: { path: /dev/ttyUSB1, prompt: "> ", errorPattern: "[" }'];
    expect(errorOf(rig(device))).toMatch(/^rigs\/bench\.yaml:16:64: device 'meter-1': console\.errorPattern: invalid regular expression: /);
  });

  test('nms needs an fnd address', () => {
    expect(errorOf(rig().replace('name: fnd', 'name: vip'))).toBe("rigs/bench.yaml:3:5: nms.addresses: needs an address named 'fnd'");
  });

  test('missing signing files are found when checkFiles is on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hil-rig-'));
    try {
      writeFileSync(join(dir, 'k.pem'), 'key');
      const file = join(dir, 'bench.yaml');
      expect(() => parseRig(rig(), file)).toThrow(`${file}:4:32: nms.signing.cert: file not found: ${join(dir, 'c.pem')}`);
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
      await expect(loadRig(join(dir, 'nope.yaml'))).rejects.toThrow(`${join(dir, 'nope.yaml')}: cannot read rig file: ENOENT`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
