/** hil list, request, diagnose, sim and wireshark through the built CLI, with exact output. */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeRig } from '../../suites/support/rigs.js';
import { ensureBuilt, hil, MAIN, processesMentioning, ROOT, startHil } from './support/cli.js';

// Each test starts `hil` processes that open a whole virtual rig; on a busy 2-core CI machine that
// alone can take most of the default 30 s. The limit is a hang guard, not a speed check.
jest.setTimeout(120_000);

const tmp = tempDir();
afterAll(() => tmp.cleanup());
beforeAll(() => ensureBuilt(), 180_000);

describe('the installed bin', () => {
  // npx runs package.json's bin itself; npm links it before `prepare` builds dist/, so only the
  // build script makes it executable. Under CI=true npx does not repair a missing mode.
  test('dist/harness/cli/main.js runs as a program (shebang, executable)', () => {
    const r = spawnSync(MAIN, ['list'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('12 suites, 61 tests');
  });
});

describe('hil list', () => {
  test('suites and tests with the capabilities each needs', async () => {
    const r = await hil(['list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'registration  (branch registration, suites/1-registration.yaml)',
      '  registers, accepts the signed response and reports                   requires: power',
      '  the troubleshooting flowchart finds nothing wrong                    requires: nothing',
      '  refuses an unsigned POST                                             requires: nothing',
      '  reports at the interval the NMS subscribed                           requires: nothing',
      '  keeps trying while the NMS turns it away, and registers once it may  requires: power',
    ]);
    expect(lines).toContain('  reports a damaged NMS certificate as invalid     requires: cert-damage, cert-swap, console');
    expect(lines).toContain('  a meter left in demo mode is diagnosed  requires: console, demo-mode, show-config');
    expect(lines).toContain('  answers a CON request to the address it came from     requires: nms vip');
    expect(lines[lines.length - 1]).toBe('12 suites, 61 tests');
  });

  test('with a rig: which devices skip a test, and why', async () => {
    const rig = join(tmp.dir, 'bench.yaml');
    writeFileSync(
      rig,
      [
        'nms: { addresses: [ { name: fnd, address: "2001:db8::1" } ], signing: { key: k.pem, cert: c.pem } }',
        'links: [ { name: d, kind: slip, path: /dev/ttyUSB0 } ]',
        'devices:',
        '  - { name: m1, eui64: "00173b0000000001", address: "2001:db8::101", link: d, expected: { firmwareVersion: "1", hwId: h, firmwareGroup: 1 }, capabilities: [] }',
        '',
      ].join('\n'),
    );
    const r = await hil(['list', '--rig', rig, 'suites/9-load-balancer.yaml', 'suites/1-registration.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'load-balancer  (branch load-balancer, suites/9-load-balancer.yaml)',
        '  answers a CON request to the address it came from     requires: nms vip',
        "                                                        skipped on m1: rig bench has no NMS address 'vip'",
        '  answers arriving at another NMS address are detected  requires: nms vip',
        "                                                        skipped on m1: rig bench has no NMS address 'vip'",
        'registration  (branch registration, suites/1-registration.yaml)',
        '  registers, accepts the signed response and reports                   requires: power',
        "                                                                       skipped on m1: m1 lacks capability 'power' (has: none)",
        '  the troubleshooting flowchart finds nothing wrong                    requires: nothing',
        '  refuses an unsigned POST                                             requires: nothing',
        '  reports at the interval the NMS subscribed                           requires: nothing',
        '  keeps trying while the NMS turns it away, and registers once it may  requires: power',
        "                                                                       skipped on m1: m1 lacks capability 'power' (has: none)",
        '2 suites, 7 tests',
        '',
      ].join('\n'),
    );
  });

  test('--json and --steps', async () => {
    const j = JSON.parse((await hil(['list', '--json', 'suites/3-firmware-info.yaml'])).stdout);
    expect(j).toEqual([
      expect.objectContaining({
        suite: 'firmware-info',
        branch: 'firmware-info',
        file: 'suites/3-firmware-info.yaml',
        tests: [
          expect.objectContaining({ name: 'the running slot holds the expected version and hardware id', capabilities: [], nmsAddresses: [] }),
          expect.objectContaining({ name: 'the default slot holds an image for this hardware' }),
          expect.objectContaining({ name: 'one slot can be read by its index', steps: ['get: 75[1]', 'expect: tlv 75 index equals 1', 'expect: tlv 75[1] index absent'] }),
        ],
      }),
    ]);
    const steps = (await hil(['list', '--steps'])).stdout;
    expect(steps).toMatch(/^expect-diagnosis  expectation expect-diagnosis: <branch> \| \{branch, otherwise\?\}; branch: registration\|firmware-group\|/m);
  });

  test('a broken suite file is exit 2 with file:line:col', async () => {
    const bad = join(tmp.dir, 'bad.yaml');
    writeFileSync(bad, 'suite: s\nbranch: baseline\ntests:\n  - name: t\n    steps:\n      - powr: on\n');
    const r = await hil(['list', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^hil list: ${bad.replace(/[.]/g, '\\.')}:6:9: step 1: unknown action 'powr'`));
  });
});

describe('hil request', () => {
  test('GET and print the decoded TLVs, csmp-request style', async () => {
    const r = await hil(['request', 'meter-1', '75']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        '[75/FirmwareImageInfo]: {index: 1, fileHash: 45c57ba97942202ff05d52783f50aa2829f0df7fc74f349add5c0b308b78ff5f, fileName: "meter-fw-5.6.21", version: "5.6.21", fileSize: 305408, blockSize: 1024, isRunning: true, hwInfo: {hwId: "RFLAN/3.60/3.80"}}',
        '[75/FirmwareImageInfo]: {index: 2, fileHash: 0000000000000000000000000000000000000000000000000000000000000000, fileName: "", version: "", fileSize: 0, blockSize: 0, hwInfo: {hwId: ""}}',
        '[75/FirmwareImageInfo]: {index: 3, fileHash: 45c57ba97942202ff05d52783f50aa2829f0df7fc74f349add5c0b308b78ff5f, fileName: "meter-fw-5.6.21", version: "5.6.21", fileSize: 305408, blockSize: 1024, isDefault: true, hwInfo: {hwId: "RFLAN/3.60/3.80"}}',
        '',
      ].join('\n'),
    );
  });

  test('several TLVs in one GET, by EUI-64 or address; --json', async () => {
    const r = await hil(['request', '00:17:3b:ff:fe:00:00:02', '58', '35', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ device: 'meter-2', address: 'fd00:77::102', port: 61628, code: '2.05' });
    expect(j.tlvs.map((t: { id: string; value: unknown }) => [t.id, t.value])).toEqual([
      ['58', { type: 1, id: 42 }],
      ['58', { type: 2, id: 317 }],
      ['35', expect.objectContaining({ ifIndex: 2, SSID: '43524443', panid: 1234, txPower: 28 })],
    ]);
    const byAddress = await hil(['request', 'fd00:77::103', '58']);
    expect(byAddress.stdout).toBe('[58/GroupInfo]: {type: 1, id: 42}\n[58/GroupInfo]: {type: 2, id: 317}\n');
  });

  test('an error answer is exit 1; nobody there is exit 1; not a device is exit 2', async () => {
    const nf = await hil(['request', 'meter-1', '99']);
    expect(nf.code).toBe(1);
    expect(nf.stderr).toBe('hil request: meter-1 [fd00:77::101]:61628 answered 4.04 Not Found\n');
    const nobody = await hil(['request', 'fd00:77::1ff', '18', '--timeout', '1s']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toBe('hil request: no answer from fd00:77::1ff [fd00:77::1ff]:61628 within 1s\n');
    const unknown = await hil(['request', 'meter-9', '18']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('hil request: meter-9: not a device of rig virtual (devices: meter-1, meter-2, meter-3, meter-4), an EUI-64 or an IPv6 address\n');
  });
});

describe('hil diagnose', () => {
  test('a healthy meter: exit 0, every look in the evidence', async () => {
    const r = await hil(['diagnose', 'meter-3']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'meter-3 (00173BFFFE000003): healthy — no fault found: the device is up and every check passed',
      'cause: The device is up and every check of the flowchart passed.',
      'fix: Nothing to fix.',
      'evidence:',
    ]);
    expect(lines).toContain('  GET 58 GroupInfo: 2.05: type 1 id 42, type 2 id 317');
    expect(lines).toContain('  console configuration DemoMode_Cfg/DemoModeEnable: false');
    expect(lines).toContain('  GET 75 FirmwareImageInfo (running slot): 2.05: slot 1 version "5.6.21", hwId "RFLAN/3.60/3.80"');
  });

  test('a meter whose clock was skewed at start: the clock-skew branch, exit 1, --json', async () => {
    const rig = writeRig(tmp.dir, 'skewed', [{ initial: { clockSkew: '+2h' } }]);
    const r = await hil(['diagnose', 'meter-1', '--rig', rig, '--json']);
    expect(r.code).toBe(1);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ device: 'meter-1', eid: '00173BFFFE000001', branch: 'clock-skew', headline: expect.stringMatching(/^device clock skewed/) });
    expect(d.cause).toMatch(/^The device clock is 7[0-9]{3} s ahead of the NMS/);
    expect(d.fix).toMatch(/time synchronized/);
  });

  test('a meter that drops a GET of the walk: inconclusive, naming the checks left open, exit 1', async () => {
    // The walk's 4th request (GET 45) is the 4th the meter receives; the GETs after it are not sent.
    const rig = writeRig(tmp.dir, 'lossy', [{ faults: ['drop-every-nth'], faultOptions: { dropEvery: 4 } }]);
    const r = await hil(['diagnose', 'meter-1', '--rig', rig]);
    expect(r.code).toBe(1);
    const lost = 'no answer to GET 45 within 3000 ms';
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([
      'meter-1 (00173BFFFE000001): inconclusive — not every check was answered: no fault found in what was, and the device is not called healthy on checks left open',
      `cause: The device is up, but not every check of the flowchart was answered: GET 45 CGMSStats: ${lost}; GET 58 GroupInfo: not asked (${lost}); GET 75 FirmwareImageInfo: not asked (${lost}). No branch matched what was answered, and a check left unanswered clears nothing.`,
    ]);
    expect(r.stdout).toMatch(/^ {2}GET 58 GroupInfo: not asked \(no answer to GET 45 within 3000 ms\); from registration at \S+: type 1 id 42, type 2 id 317$/m);
  });
});

describe('hil sim', () => {
  test('starts the virtual rig, prints its ports, and Ctrl-C stops everything', async () => {
    const dir = join(tmp.dir, 'sim');
    const sim = startHil(['sim', '--meters', '2', '--dir', dir]);
    await new Promise<void>((resolve, reject) => {
      const onData = (): void => {
        if (sim.output().includes('Ctrl-C stops the rig.')) resolve();
      };
      sim.child.stdout!.on('data', onData);
      sim.exited.then((r) => reject(new Error(`hil sim exited early: ${r.stderr}`)));
    });
    const lines = sim.output().split('\n');
    expect(lines[0]).toBe('virtual rig virtual: 2 meters, time scale 60 (device seconds per real second)');
    expect(lines[1]).toBe(`dongle ${join(dir, 'dongle0')}  (SLIP, 115200 baud; NMS fnd fd00::1, vip fd00::2)`);
    expect(lines[2]).toMatch(new RegExp(`^meter-1 00173bfffe000001 \\[fd00:77::101\\]:61628  console ${dir}/\\S+  power ${dir}/\\S+$`));
    expect(lines[3]).toMatch(/^meter-2 00173bfffe000002 \[fd00:77::102\]:61628  console /);
    expect(existsSync(join(dir, 'dongle0'))).toBe(true);
    expect(processesMentioning(dir).length).toBeGreaterThan(0);
    sim.child.kill('SIGINT');
    const r = await sim.exited;
    expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('stopped');
    expect(processesMentioning(dir)).toEqual([]);
    expect(existsSync(join(dir, 'dongle0'))).toBe(false);
  }, 60_000);
});

describe('hil wireshark', () => {
  test('writes csmp.lua and csmp.proto and prints the tshark line that loads them', async () => {
    const out = join(tmp.dir, 'ws');
    const r = await hil(['wireshark', '--out', out]);
    expect(r.code).toBe(0);
    expect(existsSync(join(out, 'csmp.lua'))).toBe(true);
    expect(existsSync(join(out, 'csmp.proto'))).toBe(true);
    expect(r.stdout.split('\n').slice(0, 5)).toEqual([
      `wrote ${out}/csmp.lua`,
      `wrote ${out}/csmp.proto`,
      '',
      'tshark:',
      `  tshark -X lua_script:${out}/csmp.lua -o 'uat:protobuf_search_paths:"${out}","TRUE"' -d udp.port==61628,coap -d udp.port==61624,coap -r FILE.pcap -V`,
    ]);
  });

  test('a folder that cannot be made is exit 2 naming it', async () => {
    const file = join(tmp.dir, 'plain-file');
    writeFileSync(file, 'x');
    const r = await hil(['wireshark', '--out', join(file, 'sub')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^hil wireshark: cannot write to ${file}/sub: ENOTDIR`));
  });
});

describe('hil check', () => {
  test('the default virtual rig: every device ready, exit 0', async () => {
    const r = await hil(['check']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(21);
    expect(lines.slice(0, 5).map((l) => l.replace(/ on \/\S+\/console$/, ' on …/console'))).toEqual([
      'meter-1 (00173BFFFE000001)',
      '  radio     ok       DeviceID 00173BFFFE000001',
      '  firmware  ok       running "5.6.21" on "RFLAN/3.60/3.80", as the rig expects',
      '  console   ok       prompt "meter-00173bfffe000001> " on …/console',
      '  power     ok       on/off commands found (not run)',
    ]);
    expect(lines[20]).toBe('4 devices ready');
  });

  test('a silent meter and a wrong firmware are named; exit 1', async () => {
    const oldImage = { fileName: 'meter-fw-5.6.20', version: '5.6.20', fileSize: 305408, blockSize: 1024, hwId: 'RFLAN/3.60/3.80' };
    const rig = writeRig(tmp.dir, 'check', [
      { initial: { poweredOn: false } },
      { initial: { firmware: [{ index: 1, running: true, ...oldImage }, { index: 2 }, { index: 3, default: true, ...oldImage }] } },
      {},
    ]);
    const r = await hil(['check', '--rig', rig, '--timeout', '1s', '--json']);
    expect(r.code).toBe(1);
    const rows = JSON.parse(r.stdout) as { device: string; radio: unknown; firmware: unknown; power: unknown }[];
    expect(rows.map((x) => [x.device, x.radio, x.firmware])).toEqual([
      ['meter-1', { status: 'problem', text: 'no answer to GET 2 within 1000 ms' }, { status: 'absent', text: 'not asked: the device did not answer on the radio' }],
      ['meter-2', { status: 'ok', text: 'DeviceID 00173BFFFE000002' }, { status: 'problem', text: 'running "5.6.20" on "RFLAN/3.60/3.80"; the rig expects version "5.6.21"' }],
      ['meter-3', { status: 'ok', text: 'DeviceID 00173BFFFE000003' }, { status: 'ok', text: 'running "5.6.21" on "RFLAN/3.60/3.80", as the rig expects' }],
    ]);
    expect(rows[2]!.power).toEqual({ status: 'ok', text: 'on/off commands found (not run)' });
  });

  test('a rig file that does not exist is exit 2 naming it', async () => {
    const r = await hil(['check', '--rig', join(tmp.dir, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hil check: .*nope\.yaml/);
  });
});
