/**
 * `hil run` end to end through the built CLI, as the README's main-job command: the default
 * virtual rig (4 meters), every suite, reports in a temporary folder.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readPcap } from '../../../drivers/pcap/reader.js';
import { validateJUnit } from '../report/support/xmllint.js';
import { casesOf } from '../../suites/support/run.js';
import { tempDir, writeRig } from '../../suites/support/rigs.js';
import { ensureBuilt, hil, processesMentioning, ROOT, startHil, until, type CliResult } from './support/cli.js';

// Each test starts `hil` processes that open a whole virtual rig; on a busy 2-core CI machine that
// alone can take most of the default 30 s. The limit is a hang guard, not a speed check.
jest.setTimeout(120_000);

const BRANCHES = ['registration', 'firmware-group', 'firmware-info', 'nms-cert', 'flash-corruption', 'demo-mode', 'clock-skew', 'firewall', 'load-balancer'];

const tmp = tempDir();
afterAll(() => tmp.cleanup());
beforeAll(() => ensureBuilt(), 180_000);

/** [[ATTACHMENT|…]] paths of a JUnit file, as absolute paths (they are relative to the file's folder). */
const attachmentsOf = (file: string): string[] => [...readFileSync(file, 'utf8').matchAll(/\[\[ATTACHMENT\|([^\]]+)\]\]/g)].map((m) => resolve(dirname(file), m[1]!));

describe('npx hil run: every suite against the default virtual rig', () => {
  const reports = join(tmp.dir, 'full');
  let r: CliResult;
  let junit = '';
  beforeAll(async () => {
    // The firmware-upgrade suite waits out load windows in device time (seconds of real time each):
    // a busy 2-core machine needs minutes for the whole run.
    r = await hil(['run', '--reports', reports], { timeoutMs: 300_000 });
    junit = readFileSync(join(reports, 'junit.xml'), 'utf8');
  }, 310_000);

  // How long it takes is npm run bench's business (README figures), not a timed test's.
  test('exits 0 with every test passed; says at once what it will run, and at the end where the reports are', () => {
    expect(r.stderr.split('\n')[0]).toBe(
      'rig virtual (rigs/virtual.yaml) · 4 devices: meter-1, meter-2, meter-3, meter-4 · 12 suites: registration, security, robustness, firmware-upgrade, firmware-group, … load-balancer (12) · 244 tests',
    );
    expect(r.stderr).toMatch(/^running 244 tests on 4 devices of rig virtual$/m);
    expect(r.stderr).toContain(`\nreports:\n  JUnit  ${join(reports, 'junit.xml')}\n  HTML   ${join(reports, 'report.html')}\n\npassed: 244 passed, 0 failed in `);
    expect(r.stderr).toMatch(/^passed: 244 passed, 0 failed in /m);
    expect(r.code).toBe(0);
  });

  test("the JUnit XML is valid against the Jenkins xUnit plugin's junit-10.xsd and Surefire's schema", async () => {
    expect(await validateJUnit(join(reports, 'junit.xml'))).toEqual({ exitCode: 0, stderr: `${join(reports, 'junit.xml')} validates` });
  });

  test('one testsuite per suite per device, named after its branch, with rig, device and firmware properties', () => {
    const names = [...junit.matchAll(/<testsuite name="([^"]+)"/g)].map((m) => m[1]!);
    expect(names).toHaveLength(48);
    for (const b of [...BRANCHES, 'security', 'robustness', 'firmware-upgrade']) for (const d of ['meter-1', 'meter-2', 'meter-3', 'meter-4']) expect(names).toContain(`${b} @ ${d}`);
    expect(junit).toContain('<property name="rig" value="virtual"/>');
    expect(junit).toContain('<property name="eui64" value="00173bfffe000003"/>');
    expect(junit).toContain('<property name="firmwareVersion" value="5.6.21"/>');
    expect(casesOf(junit).filter((c) => c.status !== 'passed')).toEqual([]);
  });

  test('every test has a pcap tshark reads and a console log', () => {
    const attached = attachmentsOf(join(reports, 'junit.xml'));
    const pcaps = attached.filter((p) => p.endsWith('.pcap'));
    expect(pcaps).toHaveLength(244);
    expect(attached.filter((p) => p.endsWith('.console.log'))).toHaveLength(244);
    for (const p of attached) expect(p.startsWith(reports)).toBe(true);
    // Every file is a whole pcap; tshark reads one of each suite (it is slow to start).
    for (const p of pcaps) expect(readPcap(readFileSync(p)).records.length).toBeGreaterThan(0);
    for (const b of BRANCHES) {
      const p = pcaps.find((x) => x.includes(`/attachments/${b}/`))!;
      const out = execFileSync('tshark', ['-r', p, '-d', 'udp.port==61628,coap', '-T', 'fields', '-e', 'ipv6.src', '-e', 'coap.code'], { encoding: 'utf8' });
      expect(out).toMatch(/^fd00/m);
    }
    const log = readFileSync(attached.find((p) => p.includes('/demo-mode/meter-2/a-meter-left-in-demo-mode') && p.endsWith('.console.log'))!, 'utf8');
    expect(log).toMatch(/^\S+Z > demo on$/m);
    expect(log).toMatch(/^\S+Z <\s+<DemoModeEnable>true<\/DemoModeEnable>$/m);
  });

  test('nothing is left running, and the run folder holds everything it made', () => {
    expect(processesMentioning(reports)).toEqual([]);
    expect(readdirSync(tmp.dir)).toEqual(['full']);
    const locks = join(reports, 'rig', 'locks');
    if (existsSync(locks)) expect(readdirSync(locks)).toEqual([]);
  });
});

describe('exit codes and reporters', () => {
  test('TAP on stdout, piped into tap-spec', async () => {
    const history = join(tmp.dir, 'history');
    const r = await hil(['run', '--reports', join(tmp.dir, 'tap'), '--reporter', 'tap', '--suite', 'firmware-info', '--device', 'meter-2', '--history', history]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual(['TAP version 13', '# firmware-info @ meter-2', 'ok 1 - firmware-info @ meter-2 › the running slot holds the expected version and hardware id']);
    // The plan last, once every test line is out.
    expect(r.stdout.split('\n').slice(-2)).toEqual(['1..3', '']);
    const spec = spawnSync(join(ROOT, 'node_modules', '.bin', 'tap-spec'), { input: r.stdout, encoding: 'utf8' });
    expect(spec.status).toBe(0);
    expect(spec.stdout).toMatch(/passing:\s+3/);
    expect(existsSync(join(tmp.dir, 'tap', 'junit.xml'))).toBe(true);
    // --history appended the run; hil history reads it back.
    const h = await hil(['history', '--history', history, '--json']);
    expect(h.code).toBe(0);
    const read = JSON.parse(h.stdout) as { runs: number; tests: { suite: string; device: string; runs: number; passed: number; flaky: boolean }[] };
    expect(read.runs).toBe(1);
    expect(read.tests.map((t) => [t.suite, t.device, t.runs, t.passed, t.flaky])).toEqual([
      ['firmware-info', 'meter-2', 1, 1, false],
      ['firmware-info', 'meter-2', 1, 1, false],
      ['firmware-info', 'meter-2', 1, 1, false],
    ]);
  }, 60_000);

  test('2 when the harness cannot run: no rig, unknown device, bad shard', async () => {
    const noRig = await hil(['run', '--rig', join(tmp.dir, 'missing.yaml'), '--reports', join(tmp.dir, 'x')]);
    expect(noRig.code).toBe(2);
    expect(noRig.stderr).toBe(`hil run: ${join(tmp.dir, 'missing.yaml')}: cannot read rig file: ENOENT\n`);
    const noDevice = await hil(['run', '--device', 'meter-9', '--reports', join(tmp.dir, 'x')]);
    expect(noDevice.code).toBe(2);
    expect(noDevice.stderr).toBe("hil run: --device: no device named 'meter-9' (have: meter-1, meter-2, meter-3, meter-4)\n");
    const shard = await hil(['run', '--shard', '3/2', '--reports', join(tmp.dir, 'x')]);
    expect(shard.code).toBe(2);
    expect(shard.stderr).toBe("hil run: --shard: '3/2' is not i/n with 1 ≤ i ≤ n\n");
    expect(existsSync(join(tmp.dir, 'x', 'rig'))).toBe(false);
  }, 60_000);

  test('1 when a test fails; --bail stops scheduling after it', async () => {
    const rig = writeRig(tmp.dir, 'faulty', [{ faults: ['ignore-group-assign'] }]);
    const r = await hil(['run', '--rig', rig, '--reports', join(tmp.dir, 'faulty'), '--suite', 'firmware-group,firmware-info', '--bail']);
    expect(r.code).toBe(1);
    const cases = casesOf(readFileSync(join(tmp.dir, 'faulty', 'junit.xml'), 'utf8'));
    expect(cases.map((c) => `${c.status} ${c.name}`)).toEqual([
      'failed a meter in the wrong firmware group is diagnosed',
      "skipped re-registers into the expected group after GroupAssign",
      'skipped ignores a GroupAssign appended after the signature',
      'skipped the running slot holds the expected version and hardware id',
      'skipped the default slot holds an image for this hardware',
      'skipped one slot can be read by its index',
    ]);
  }, 60_000);

  test('SIGINT: the running test ends interrupted, JUnit stays valid with what finished', async () => {
    const suite = join(tmp.dir, 'long.yaml');
    writeFileSync(suite, 'suite: long\nbranch: registration\ntests:\n  - name: quick\n    steps:\n      - get: 18\n  - name: slow\n    steps:\n      - wait: 10h\n');
    const reports = join(tmp.dir, 'int');
    const run = startHil(['run', suite, '--reports', reports, '--device', 'meter-1', '--reporter', `junit,events`]);
    await until(() => existsSync(join(reports, 'events.jsonl')) && /"type":"testBegin"[^\n]*\n[\s\S]*"type":"testBegin"/.test(readFileSync(join(reports, 'events.jsonl'), 'utf8')), 60_000, 'the second test to begin');
    run.child.kill('SIGINT');
    const r = await run.exited;
    expect(r.code).toBe(130);
    expect((await validateJUnit(join(reports, 'junit.xml'))).exitCode).toBe(0);
    const cases = casesOf(readFileSync(join(reports, 'junit.xml'), 'utf8'));
    expect(cases.map((c) => `${c.status} ${c.name}`)).toEqual(['passed quick', 'error slow', 'error run completed and recorded']);
    expect(existsSync(join(reports, 'report.html'))).toBe(true);
    expect(cases[1]!.message).toBe('received SIGINT during step 1 (wait: 10h)');
    expect(cases[2]!.message).toBe('the run was interrupted (received SIGINT)');
    expect(processesMentioning(reports)).toEqual([]);
  }, 90_000);
});

describe('hil merge: shards run apart, reported as one run', () => {
  test('two shards of the registration suite merge into one valid JUnit with every test once; a bad log is exit 2', async () => {
    const logs: string[] = [];
    for (const i of [1, 2]) {
      const dir = join(tmp.dir, `shard-${i}`);
      const s = await hil(['run', '--suite', 'registration', '--shard', `${i}/2`, '--reports', dir, '--reporter', 'junit,events'], { timeoutMs: 120_000 });
      expect(s.code).toBe(0);
      logs.push(join(dir, 'events.jsonl'));
    }
    const merged = join(tmp.dir, 'merged');
    const m = await hil(['merge', ...logs, '--reports', merged]);
    expect(m.stderr).toMatch(/^passed: 20 passed, 0 failed in /m);
    expect(m.code).toBe(0);
    const cases = casesOf(readFileSync(join(merged, 'junit.xml'), 'utf8'));
    expect(cases.map((c) => `${c.device} ${c.name}`).sort()).toEqual(
      ['meter-1', 'meter-2', 'meter-3', 'meter-4']
        .flatMap((d) =>
          [
            'keeps trying while the NMS turns it away, and registers once it may',
            'refuses an unsigned POST',
            'registers, accepts the signed response and reports',
            'reports at the interval the NMS subscribed',
            'the troubleshooting flowchart finds nothing wrong',
          ].map((n) => `${d} ${n}`),
        )
        .sort(),
    );
    expect(cases.every((c) => c.status === 'passed')).toBe(true);
    expect((await validateJUnit(join(merged, 'junit.xml'))).exitCode).toBe(0);
    // The shards' pcaps and console logs are copied beside the merged reports, and named there.
    const attached = attachmentsOf(join(merged, 'junit.xml'));
    expect(attached).toHaveLength(40);
    for (const p of attached) {
      expect(p.startsWith(join(merged, 'attachments'))).toBe(true);
      expect(existsSync(p)).toBe(true);
    }
    const html = readFileSync(join(merged, 'report.html'), 'utf8');
    expect(html).toContain('"status":"passed"');
    // The frames in the shards' event logs feed the merged HTML's diagrams.
    expect(html).toContain('CON POST /r · 2 DeviceID');

    const junk = join(tmp.dir, 'junk.jsonl');
    writeFileSync(junk, 'not json\n');
    const bad = await hil(['merge', logs[0]!, junk, '--reports', join(tmp.dir, 'bad')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`hil merge: ${junk}:1: not a JSON event\n`);
  }, 240_000);
});
