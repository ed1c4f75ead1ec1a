/**
 * Command-line values a command cannot honour are refused before anything is opened, through the
 * built CLI: one `hil <cmd>: <option>: <reason>` line, exit 2. Each of these used to be accepted
 * (a zero timeout that found a healthy meter crashed, a port list that matched nothing, a report
 * written over the suite file) or to end in an error that named no path.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../suites/support/rigs.js';
import { ensureBuilt, hil, ROOT } from './support/cli.js';
import { VECTORS } from '../../support/vectors.js';

jest.setTimeout(120_000);

const tmp = tempDir('hil-opt-');
afterAll(() => tmp.cleanup());
beforeAll(() => ensureBuilt(), 180_000);

const RIG = join(ROOT, 'rigs', 'virtual.yaml');
const SUITE = ['suite: x', 'branch: baseline', 'tests:', '  - name: a', '    steps:', '      - wait: 1s', ''].join('\n');
/** A command that, wrongly accepted, would listen or fuzz for a long time: cut short, it cannot pass. */
const SHORT = { timeoutMs: 20_000 };

describe('durations a device cannot answer within are refused, naming the option and the least accepted', () => {
  test.each([
    [['fuzz', 'meter-1', '--rig', RIG, '--inputs', '2', '--seed', '1', '--probe-timeout', '0ms'], "hil fuzz: --probe-timeout: '0ms' is zero: give at least 100ms\n"],
    [['fuzz', 'meter-1', '--rig', RIG, '--inputs', '2', '--seed', '1', '--probe-timeout', '50ms'], "hil fuzz: --probe-timeout: '50ms' is too short: give at least 100ms\n"],
    [['fuzz', 'meter-1', '--rig', RIG, '--seed', '1', '--budget', '0s'], "hil fuzz: --budget: '0s' is zero: give at least 1s\n"],
    [['run', '--rig', RIG, '--step-timeout', '0s'], "hil run: --step-timeout: '0s' is zero: give at least 100ms\n"],
    [['run', '--rig', RIG, '--minimise', '--minimise-budget', '0s'], "hil run: --minimise-budget: '0s' is zero: give at least 1s\n"],
    [['check', '--rig', RIG, '--timeout', '0s'], "hil check: --timeout: '0s' is zero: give at least 100ms\n"],
    [['request', 'meter-1', '75', '--rig', RIG, '--timeout', '0s'], "hil request: --timeout: '0s' is zero: give at least 100ms\n"],
    [['diagnose', 'meter-1', '--rig', RIG, '--wait', '0s'], "hil diagnose: --wait: '0s' is zero: give at least 1s\n"],
  ])('hil %j', async (args, stderr) => {
    const r = await hil([...args, ...(args[0] === 'run' || args[0] === 'fuzz' ? ['--reports', join(tmp.dir, 'never')] : [])], SHORT);
    expect(r.stderr).toBe(stderr);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe('hil run --retries', () => {
  test.each([
    // Read as 1e20, a test that kept failing was attempted for ever.
    ['99999999999999999999', "hil run: --retries: '99999999999999999999' is more than 100\n"],
    ['101', "hil run: --retries: '101' is more than 100\n"],
    ['-1', "hil run: --retries: '-1' is not a whole number\n"],
  ])('%s', async (n, stderr) => {
    const r = await hil(['run', '--rig', RIG, '--retries', n, '--reports', join(tmp.dir, 'never')], SHORT);
    expect(r.stderr).toBe(stderr);
    expect(r.code).toBe(2);
  });
});

describe('hil monitor checks --rotate, --ports and --stats before it listens', () => {
  test.each([
    [['--pcap', 'CAP', '--rotate', '0'], "hil monitor: --rotate: '0' is less than 4k (4096 bytes): a capture file must hold its header and one full-size frame\n"],
    [['--ports', 'abc'], "hil monitor: --ports: 'abc' is not a UDP port (a whole number from 1 to 65535)\n"],
    [['--ports', '70000'], "hil monitor: --ports: '70000' is not a UDP port (a whole number from 1 to 65535)\n"],
    // Past what a timer can wait, setInterval fired every millisecond.
    [['--stats', '1e10'], "hil monitor: --stats: '1e10' is not 0 or a number of seconds from 0.1 to 2147483\n"],
    [['--stats', '3000000'], "hil monitor: --stats: '3000000' is not 0 or a number of seconds from 0.1 to 2147483\n"],
  ])('%j', async (args, stderr) => {
    const r = await hil(['monitor', 'udp:[::1]:40111', ...args.map((a) => (a === 'CAP' ? join(tmp.dir, 'cap') : a))], SHORT);
    expect(r.stderr).toBe(stderr);
    expect(r.code).toBe(2);
  });
});

describe('hil request --port', () => {
  test('a port that is not a CSMP port is refused (it was ignored and the GET went to 61628)', async () => {
    const r = await hil(['request', 'fd00::999', '75', '--rig', RIG, '--port', '5', '--timeout', '1s'], SHORT);
    expect(r.stderr).toBe("hil request: --port: '5' is not a CSMP port (61628 or 61624)\n");
    expect(r.code).toBe(2);
  });

  test('a port other than the rig device\'s own is refused: --port is for an address not in the rig', async () => {
    const r = await hil(['request', 'meter-1', '75', '--rig', RIG, '--port', '61624', '--timeout', '1s'], SHORT);
    expect(r.stderr).toBe('hil request: --port: 61624 cannot be used: meter-1 is in rig virtual on port 61628 (--port is for an address not in the rig)\n');
    expect(r.code).toBe(2);
  });
});

describe('hil fuzz --corpus names the capture it cannot use', () => {
  test('a folder', async () => {
    const r = await hil(['fuzz', 'meter-1', '--rig', RIG, '--corpus', tmp.dir, '--reports', join(tmp.dir, 'never')], SHORT);
    expect(r.stderr).toBe(`hil fuzz: --corpus ${tmp.dir}: cannot read: it is a folder (EISDIR)\n`);
    expect(r.code).toBe(2);
  });

  test('a capture of a link type hil does not decode (it added nothing and said nothing)', async () => {
    const file = join(tmp.dir, 'linktype.pcap');
    const bytes = readFileSync(join(VECTORS, 'csmp_register.pcap'));
    bytes.writeUInt32LE(12345, 20);
    writeFileSync(file, bytes);
    const r = await hil(['fuzz', 'meter-1', '--rig', RIG, '--inputs', '1', '--seed', '1', '--corpus', file, '--reports', join(tmp.dir, 'never')], SHORT);
    expect(r.stderr).toBe(`hil fuzz: --corpus ${file}: link type 12345 is not one hil decodes (1 Ethernet, 101 raw IP, 228 IPv4, 229 IPv6): no request to start from\n`);
    expect(r.code).toBe(2);
  });
});

describe('hil run does not write a report over its own rig or suite file', () => {
  test.each([
    ['tap', 'suite', 'suite file'],
    ['junit', 'suite', 'suite file'],
    ['events', 'rig', 'rig file'],
  ])('--reporter %s=<the %s file>: exit 2, the file left as it was', async (kind, which, what) => {
    const dir = join(tmp.dir, `run-${kind}`);
    mkdirSync(dir);
    const suite = join(dir, 's.yaml');
    const rig = join(tmp.dir, `rig-${kind}.yaml`);
    writeFileSync(suite, SUITE);
    writeFileSync(rig, readFileSync(RIG, 'utf8').replace(/(\s)virtual\//g, `$1${join(ROOT, 'rigs', 'virtual')}/`));
    const target = which === 'suite' ? suite : rig;
    const before = readFileSync(target, 'utf8');
    // The suite given as its folder is the same file too.
    const r = await hil(['run', which === 'suite' ? dir : suite, '--rig', rig, '--device', 'meter-1', '--reports', join(dir, 'reports'), '--reporter', `${kind}=${target}`]);
    expect(r.stderr).toBe(`hil run: --reporter ${kind}: '${target}' is the ${what}: writing there would destroy it; give another file\n`);
    expect(r.code).toBe(2);
    expect(readFileSync(target, 'utf8')).toBe(before);
  });
});

describe('hil certify names the path it cannot use', () => {
  const firmware = join(tmp.dir, 'fw.img');
  beforeAll(() => writeFileSync(firmware, Buffer.alloc(4096, 1)));

  test('--out naming a regular file (was "internal error: ENOTDIR … scandir")', async () => {
    const out = join(tmp.dir, 'plain');
    writeFileSync(out, 'x');
    const r = await hil(['certify', '--firmware', firmware, '--rig', RIG, '--out', out], SHORT);
    expect(r.stderr).toBe(`hil certify: ${out}: --out names a file, not a folder: the bundle folder must be new or empty\n`);
    expect(r.code).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('x');
  });

  test('a folder named like a suite file in --suites (was "internal error: EISDIR")', async () => {
    const suites = join(tmp.dir, 'suites');
    mkdirSync(join(suites, 'sets'), { recursive: true });
    mkdirSync(join(suites, 'd.yaml'));
    writeFileSync(join(suites, 'a.yaml'), SUITE);
    writeFileSync(join(suites, 'sets', 'certification.yaml'), "set: certification\nversion: 1\ninclude: ['*.yaml']\n");
    const r = await hil(['certify', '--firmware', firmware, '--rig', RIG, '--out', join(tmp.dir, 'bundle'), '--suites', suites], SHORT);
    expect(r.stderr).toBe(`hil certify: ${join(suites, 'd.yaml')}: cannot read suite file: it is a folder (EISDIR)\n`);
    expect(r.code).toBe(2);
  });
});
