/**
 * `hil certify` and `hil fuzz` stopped by a signal mid-way, through the built CLI: what was gathered
 * is kept and says it was interrupted, no folder verifies as a bundle, and the exit code is a
 * stopped run's (128 + the signal). Each signal waits on what the command wrote, never on time.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { tempDir, writeRig } from '../suites/support/rigs.js';
import { ensureBuilt, hil, startHil, until } from '../harness/cli/support/cli.js';

jest.setTimeout(180_000);

const tmp = tempDir('hil-stop-');
afterAll(() => tmp.cleanup());
beforeAll(() => ensureBuilt(), 180_000);

const file = (name: string, content: string | Uint8Array): string => {
  const p = join(tmp.dir, name);
  writeFileSync(p, content, { mode: 0o600 });
  return p;
};
const lab = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyFile = file('lab-key.pem', lab.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
const pubFile = file('lab.pub.pem', lab.publicKey.export({ type: 'spki', format: 'pem' }).toString());
const imageFile = file('meter.bin', Buffer.alloc(4096, 7));
const setFile = file('set.yaml', 'set: certification\nversion: 7\ninclude: ["1-registration.yaml"]\n');
const rig = writeRig(tmp.dir, 'stop-rig', [{}]);

describe('hil certify stopped mid-run', () => {
  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: exit %i, no manifest or signature, the verdicts so far in interrupted.json, and verify calls it no bundle', async (signal, code) => {
    const out = join(tmp.dir, `cert-${signal}`);
    const events = join(out, 'reports', 'events.jsonl');
    const c = startHil(['certify', '--rig', rig, '--firmware', imageFile, '--key', keyFile, '--out', out, '--set', setFile]);
    await until(() => existsSync(events) && readFileSync(events, 'utf8').includes('"type":"testBegin"'), 120_000, 'the first testBegin');
    c.child.kill(signal);
    const r = await c.exited;
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain('    at ');
    expect(r.stderr).toContain(
      `hil certify: interrupted: received ${signal}: no manifest written; the results gathered so far are in ${join(out, 'interrupted.json')} and ${join(out, 'reports')}\n`,
    );
    expect(readdirSync(out).sort()).toEqual(['interrupted.json', 'reports']);
    const kept = JSON.parse(readFileSync(join(out, 'interrupted.json'), 'utf8')) as { interrupted: string; signal: string; verdicts: { outcome: string }[] };
    expect([kept.interrupted, kept.signal]).toEqual([`received ${signal}`, signal]);
    expect(kept.verdicts[0]!.outcome).toBe('interrupted');
    expect(kept.verdicts.every((v) => v.outcome !== 'passed')).toBe(true);
    const v = await hil(['verify', out, '--pub', pubFile]);
    expect(v.code).toBe(2);
    expect(v.stdout).toBe(
      `REFUSED: ${out} is not what was signed\n  - manifest.dsse.json: missing (not a certification bundle); interrupted.json: the certification was stopped before it ended, and this folder holds only what it gathered until then\n`,
    );
  });
});

describe('hil fuzz stopped mid-campaign', () => {
  test('SIGTERM: exit 143, the summary and a JUnit with an "interrupted" error case are written', async () => {
    const reports = join(tmp.dir, 'fuzz-reports');
    const c = startHil(['fuzz', 'meter-1', '--rig', rig, '--seed', '5', '--budget', '10m', '--reports', reports]);
    await until(() => c.output().includes('hil fuzz: fuzzing meter-1 '), 120_000, 'the campaign to start');
    c.child.kill('SIGTERM');
    const r = await c.exited;
    expect(r.signal).toBe(null);
    expect(r.code).toBe(143);
    const dir = join(reports, 'fuzz', 'meter-1', 'seed-5');
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { ended: string; stoppedBy: string; inputs: number; findings: unknown[] };
    expect([summary.ended, summary.stoppedBy, summary.findings]).toEqual(['stopped', 'received SIGTERM', []]);
    expect(r.stdout.split('\n')[0]).toBe(`${summary.inputs} inputs in ${r.stdout.split(' in ')[1]!.split(' s ')[0]} s (seed 5, ended: stopped), 0 findings`);
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toContain('<testsuites name="hil fuzz" tests="2" failures="0" errors="1" ');
    expect(junit).toContain(
      `<error type="interrupted" message="the campaign was stopped (received SIGTERM) after ${summary.inputs} inputs: the rest of its budget was not fuzzed"/>`,
    );
  });
});
