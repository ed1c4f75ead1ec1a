import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../core/errors.js';
import { DEFAULT_SET, loadSuiteSet } from '../../../harness/config/suite-set.js';
import { tempDir } from '../../suites/support/rigs.js';

const sha = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');
const tmp = tempDir('hil-set-');
afterAll(() => tmp.cleanup());

test('the shipped certification set is every suite in suites/, version 2 (firmware-upgrade joined)', async () => {
  const set = await loadSuiteSet(DEFAULT_SET('suites'), 'suites');
  expect([set.name, set.version]).toEqual(['certification', 2]);
  expect(set.suites.map((s) => s.file)).toEqual([
    'suites/1-registration.yaml',
    'suites/10-security.yaml',
    'suites/11-robustness.yaml',
    'suites/12-firmware-upgrade.yaml',
    'suites/2-firmware-group.yaml',
    'suites/3-firmware-info.yaml',
    'suites/4-nms-cert.yaml',
    'suites/5-flash-corruption.yaml',
    'suites/6-demo-mode.yaml',
    'suites/7-clock-skew.yaml',
    'suites/8-firewall.yaml',
    'suites/9-load-balancer.yaml',
  ]);
  for (const s of set.suites) expect(s.sha256).toBe(sha(s.file));
  expect(set.sha256).toBe(sha(DEFAULT_SET('suites')));
});

test('patterns pick new suites up; exclude takes some out; mistakes name file, line and column', async () => {
  const dir = join(tmp.dir, 'suites');
  mkdirSync(dir);
  for (const n of ['1-a.yaml', '2-b.yaml', '10-security.yaml', 'notes.txt']) writeFileSync(join(dir, n), `suite: ${n}\n`);
  const set = join(tmp.dir, 'set.yaml');
  writeFileSync(set, "set: lab\nversion: '2026.1'\ninclude: ['*.yaml']\nexclude: ['2-?.yaml']\n");
  const s = await loadSuiteSet(set, dir);
  expect([s.name, s.version]).toEqual(['lab', '2026.1']);
  expect(s.suites.map((x) => x.file)).toEqual([join(dir, '1-a.yaml'), join(dir, '10-security.yaml')]);

  writeFileSync(set, 'set: lab\nversion: 1\ninclude: ["nothing-*.yaml"]\n');
  await expect(loadSuiteSet(set, dir)).rejects.toThrow(`${set}:3:10: no suite file in ${dir} matches the set`);
  writeFileSync(set, 'set: lab\ninclude: 3\n');
  await expect(loadSuiteSet(set, dir)).rejects.toThrow(`${set}:1:1: version: a number or text is required`);
  writeFileSync(set, 'set: lab\nversion: 1\ninclude: 3\n');
  await expect(loadSuiteSet(set, dir)).rejects.toThrow(`${set}:3:10: include: a list of file patterns is required`);
  await expect(loadSuiteSet(join(tmp.dir, 'none.yaml'), dir)).rejects.toThrow(`${join(tmp.dir, 'none.yaml')}: cannot read suite set: ENOENT`);
});

test('a folder named like a suite file is a ConfigError naming it (it escaped as EISDIR)', async () => {
  const dir = join(tmp.dir, 'with-folder');
  mkdirSync(join(dir, 'd.yaml'), { recursive: true });
  writeFileSync(join(dir, 'a.yaml'), 'suite: a\n');
  const set = join(tmp.dir, 'set-folder.yaml');
  writeFileSync(set, "set: lab\nversion: 1\ninclude: ['*.yaml']\n");
  const e = await loadSuiteSet(set, dir).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(ConfigError);
  expect(e).toMatchObject({ where: join(dir, 'd.yaml'), code: 'file', reason: 'cannot read suite file: it is a folder (EISDIR)' });
});
