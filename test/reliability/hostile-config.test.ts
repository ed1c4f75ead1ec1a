/**
 * Issue 14 item 4: hostile rig and suite files are config errors naming file:line:col (or the file,
 * when it cannot be read whole) and the reason, refused before anything runs; never a runtime
 * error, a stack trace, or a read without bound. The CLI maps each to exit 2 (cli-reliability).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { loadRig, parseRig } from '../../harness/config/rig.js';
import { loadSuite, parseSuite } from '../../harness/config/suite.js';
import { expectErrorLike, rejection, thrown } from '../support/errors.js';

const FILE = 'suites/hostile.yaml';
const fields = (e: unknown): { where: string; code: string; reason: string } => {
  const { where, code, reason } = expectErrorLike(e, ConfigError, {});
  return { where, code, reason };
};
/** A suite whose one test has the given steps, from line 6 column 9. */
const withSteps = (...lines: string[]): string => ['suite: clock-skew', 'branch: clock-skew', 'tests:', '  - name: a', '    steps:', ...lines.map((l) => `      - ${l}`), ''].join('\n');

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'hil-hostile-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hostile suite values', () => {
  test("branch: nosuchbranch names the branches there are", () => {
    const e = fields(thrown(() => parseSuite(withSteps('wait: 1s').replace('branch: clock-skew', 'branch: nosuchbranch'), FILE)));
    expect([e.where, e.code]).toEqual(['suites/hostile.yaml:2:9', 'schema']);
    expect(e.reason).toMatch(/^branch: 'nosuchbranch' is not one of registration, firmware-group, .*clock-skew/);
  });

  test.each([
    ['a wait', 'wait: 100000000000000000000h', 'suites/hostile.yaml:6:15', "step 1: wait: '100000000000000000000h' is longer than 24 days, the longest csmp-hil can wait"],
    ['a within', 'expect-state: { state: up, within: 100000000000000000000h }', 'suites/hostile.yaml:6:44', "step 1: expect-state: '100000000000000000000h' is longer than 24 days, the longest csmp-hil can wait"],
  ])('%s of 10^20 hours is refused as a config error, not a TimeoutOverflowWarning at run time', (_what, step, where, reason) => {
    expect(fields(thrown(() => parseSuite(withSteps(step), FILE)))).toEqual({ where, code: 'value', reason });
  });

  test('a TLV id beyond 32 bits is refused where it is written', () => {
    expect(fields(thrown(() => parseSuite(withSteps('post: { tlvs: { "4294967296": { type: 2 } } }'), FILE)))).toEqual({
      where: 'suites/hostile.yaml:6:39',
      code: 'value',
      reason: 'step 1: post: TLV type 4294967296 is not 1 to 4294967295 (a 32-bit varint)',
    });
  });

  test('a string value over 64 KiB is refused at its place (a 50 MB one took 16 s and 1.9 GB)', () => {
    const text = withSteps(`wait: 1s`).replace('  - name: a', `  - name: a\n    description: '${'x'.repeat(100_000)}'`);
    expect(fields(thrown(() => parseSuite(text, FILE)))).toEqual({ where: 'suites/hostile.yaml:5:18', code: 'value', reason: 'a value of 100000 characters; the limit is 65536' });
  });
});

describe('hostile rig and suite files', () => {
  test('a 50 MB rig is refused by its size before it is read', async () => {
    const rig = join(dir, 'big.yaml');
    writeFileSync(rig, `name: x\ndescription: '${'x'.repeat(50_000_000)}'\n`);
    expect(fields(await rejection(loadRig(rig)))).toEqual({ where: rig, code: 'file', reason: 'cannot read rig file: larger than the 4 MiB read at most (50000024 bytes)' });
  });

  test('/dev/zero as a suite is read to the ceiling and refused, not until memory runs out', async () => {
    expect(fields(await rejection(loadSuite('/dev/zero')))).toEqual({
      where: '/dev/zero',
      code: 'file',
      reason: 'cannot read suite file: larger than the 4 MiB read at most (a character device that goes on past that)',
    });
  });

  test('the limits are far above real files: the shipped rig loads', () => {
    const text = readFileSync('rigs/virtual.yaml', 'utf8');
    expect(parseRig(text, join(process.cwd(), 'rigs', 'virtual.yaml')).devices).toHaveLength(4);
  });
});
