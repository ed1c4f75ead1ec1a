/**
 * `hil fuzz` end to end through the built CLI against the virtual rig: a meter with the
 * 'crashes-without-hwinfo' fault model is found with a fixed seed and a fixed number of inputs,
 * the crash minimised and written as a suite that `hil run` replays to the same crash; a healthy
 * meter given the same inputs yields nothing.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateJUnit, xpath } from '../report/support/xmllint.js';
import { tempDir, writeRig } from '../../suites/support/rigs.js';
import { ensureBuilt, hil, type CliResult } from './support/cli.js';
import { execa } from 'execa';

async function tsharkFields(pcap: string, fields: string[]): Promise<string[]> {
  const r = await execa('tshark', ['-n', '-r', pcap, '-d', 'udp.port==61628,coap', '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { reject: false });
  if (r.exitCode !== 0) throw new Error(`tshark failed on ${pcap}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

// A hang guard for a busy 2-core machine, not a speed check.
jest.setTimeout(120_000);

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const rig = writeRig(tmp.dir, 'fuzz', [{}, { faults: ['crashes-without-hwinfo'] }]);
const reports = join(tmp.dir, 'reports');
// Seed 2 first drops hwInfo from a TransferRequest at input 31 (test/harness/fuzz/mutator.test.ts).
const args = (device: string): string[] => ['fuzz', device, '--rig', rig, '--seed', '2', '--inputs', '32', '--probe-timeout', '1.5s', '--reports', reports];

beforeAll(() => ensureBuilt(), 180_000);

describe('hil fuzz against a meter that crashes on a TransferRequest without hwInfo', () => {
  const dir = join(reports, 'fuzz', 'meter-2', 'seed-2');
  let r: CliResult;
  beforeAll(async () => {
    r = await hil(args('meter-2'));
  }, 120_000);

  test('exits 1 with one finding: crashed after input 31, minimised to an empty TransferRequest', () => {
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(/^32 inputs in [\d.]+ s \(seed 2, ended: inputs\), 1 finding$/);
    expect(r.stdout).toContain('  1. crashed after input 31 (seen 1×); minimised 417 → 25: signed POST 65 {}\n');
    expect(r.stdout).toContain(`     replay: hil run ${join(dir, 'finding-1.suite.yaml')} --device meter-2 --rig ${rig}\n`);
    expect(r.stderr).toContain('hil fuzz: finding 1: meter-2 crashed after input 31; minimised to signed POST 65 {}\n');
  });

  test('the summary, crash corpus and JUnit say the same; the minimised input is smaller than the original', async () => {
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ device: 'meter-2', seed: 2, inputs: 32, ended: 'inputs' });
    expect(summary.findings).toHaveLength(1);
    expect(summary.findings[0]).toMatchObject({ number: 1, kind: 'crashed', index: 31, hits: [31], minimised: 'signed POST 65 {}', minimisedHex: '4100', minimisedBy: 'power-cycle', recovered: true });
    expect(statSync(join(dir, 'crashes', '1-minimised.bin')).size).toBe(2);
    expect(statSync(join(dir, 'crashes', '1-input.bin')).size).toBeGreaterThan(2);
    const junit = join(dir, 'junit.xml');
    expect(await validateJUnit(junit)).toEqual({ exitCode: 0, stderr: `${junit} validates` });
    expect(await xpath(junit, 'count(//testcase)')).toBe('1');
    expect(await xpath(junit, 'string(//testcase/@name)')).toBe('finding 1: crashed after input 31');
    expect(await xpath(junit, 'string(//testcase/failure/@type)')).toBe('crashed');
  });

  test("the finding carries its evidence: the input's bytes and decoding, a pcap from the input to the unanswered probe, the console", async () => {
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    const f = summary.findings[0];
    expect(f.files).toEqual({ suite: 'finding-1.suite.yaml', input: 'crashes/1-input.bin', minimised: 'crashes/1-minimised.bin', pcap: 'crashes/1.pcap', console: 'crashes/1-console.txt' });
    expect(f.consoleAnswers).toBe(true);
    expect(readFileSync(join(dir, 'crashes', '1-console.txt'), 'utf8')).toContain('meter-00173bfffe000002> ');
    expect(f.inputDecoded).toMatch(/^ {4}\[65\/TransferRequest\]: \{fileHash: 0{64}, fileName: "A{200,}", version: "0\.0\.1", fileSize: 1024, blockSize: 1024\}$/);
    // What tshark reads in the pcap: the signed POST to meter-2, then probe GETs it never answered.
    const lines = await tsharkFields(join(dir, 'crashes', '1.pcap'), ['ipv6.src', 'ipv6.dst', 'coap.code', 'coap.opt.uri_path']);
    expect(lines.length).toBe(f.framesSeen);
    expect(lines[0]).toBe('fd00::1\tfd00:77::102\t2\tc');
    expect(lines.slice(1).every((l) => /^fd00::1\tfd00:77::102\t1\tc$/.test(l))).toBe(true);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const junit = join(dir, 'junit.xml');
    const text = await xpath(junit, 'string(//testcase/failure)');
    expect(text).toContain(`input bytes (TLV payload before signing): ${f.inputHex.replace(/(..)(?!$)/g, '$1 ')}\n`);
    expect(text).toMatch(/no answer to GET 2,22,7,45 \(DeviceID, Uptime, SessionID, CGMSStats\) within the probe timeout, twice: detected \d+\.\d s after the input was sent; answered again after a power cycle\n/);
    expect(text).toContain(`wire: ${f.framesSeen} frame(s) to and from the device from the input to the verdict in crashes/1.pcap\n`);
    expect(text).toContain('console over the same time: crashes/1-console.txt; the console still gave its prompt (the board runs, the agent does not answer)\n');
    expect(await xpath(junit, 'string(//testcase/system-out)')).toBe('[[ATTACHMENT|finding-1.suite.yaml]]\n[[ATTACHMENT|crashes/1-minimised.bin]]\n[[ATTACHMENT|crashes/1.pcap]]\n[[ATTACHMENT|crashes/1-console.txt]]');
  });

  test('the reproducer is a post step and a liveness GET, and hil run replays it to the same crash', async () => {
    const suite = parse(readFileSync(join(dir, 'finding-1.suite.yaml'), 'utf8'));
    expect(suite.tests[0].steps).toEqual([{ post: { tlvs: { '65': {} }, signed: true } }, { get: 2 }, { 'expect-reply': '2.05' }]);
    const replay = await hil(['run', join(dir, 'finding-1.suite.yaml'), '--device', 'meter-2', '--rig', rig, '--reports', join(tmp.dir, 'replay')]);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toContain('step 1 (post: tlv 65 signed): CON POST 65 signed: no answer from meter-2');
    expect(replay.stderr).toMatch(/failed: 0 passed, 1 failed in /);
  });
});

test('hil fuzz finds nothing on a healthy meter given the same inputs: exit 0, one passing JUnit case', async () => {
  const r = await hil(args('meter-1'));
  expect(r.stdout.split('\n')[0]).toMatch(/^32 inputs in [\d.]+ s \(seed 2, ended: inputs\), 0 findings$/);
  expect(r.code).toBe(0);
  const junit = join(reports, 'fuzz', 'meter-1', 'seed-2', 'junit.xml');
  expect(await validateJUnit(junit)).toEqual({ exitCode: 0, stderr: `${junit} validates` });
  expect(await xpath(junit, 'count(//testcase)')).toBe('1');
  expect(await xpath(junit, 'count(//failure)')).toBe('0');
});

test('hil fuzz usage errors exit 2', async () => {
  const r = await hil(['fuzz', 'meter-1', '--rig', rig, '--seed', 'x']);
  expect(r.stderr).toBe('hil fuzz: --seed: not a whole number from 0 to 4294967295: x\n');
  expect(r.code).toBe(2);
});
