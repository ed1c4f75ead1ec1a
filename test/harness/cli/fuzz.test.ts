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

  test('the reproducer is a post step and a liveness GET, and hil run replays it to the same crash', async () => {
    const suite = parse(readFileSync(join(dir, 'finding-1.suite.yaml'), 'utf8'));
    expect(suite.tests[0].steps).toEqual([{ post: { tlvs: { '65': {} }, signed: true } }, { get: 11 }, { 'expect-reply': '2.05' }]);
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
