/**
 * A reboot the harness asks for (a signed RebootRequest in a `post` step) is not a crash: the
 * robustness judge, which compares Uptime and SessionID before and after the test, only checks the
 * device came back. A RebootRequest the device refuses asks for nothing, so a meter that reboots
 * anyway is still caught (issue 8: the judge must not be passed by luck).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { casesOf, runInProcess, type CaseResult } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
let cases: CaseResult[] = [];
let junit = '';

beforeAll(async () => {
  const rig = writeRig(tmp.dir, 'asked-reboot', [{}, { faults: ['reboot-on-oversized-datagram'] }]);
  const suite = join(tmp.dir, 'reboot.yaml');
  writeFileSync(
    suite,
    stringify({
      suite: 'asked-reboot',
      branch: 'robustness',
      description: 'reboots the harness asks for',
      setup: [{ 'expect-state': { state: 'up', within: '5m' } }],
      tests: [
        { name: 'signed RebootRequest', steps: [{ post: { tlvs: { '32': { flag: 0 } }, signed: true } }, { nms: 'expect-registration' }, { get: 2 }, { 'expect-reply': '2.05' }] },
        {
          name: 'refused RebootRequest, then an oversized datagram',
          steps: [
            { post: { tlvs: { '32': { flag: 0 } }, signed: false } },
            { 'expect-reply': '4.03' },
            { inject: { hex: '40 02 7e 0e b1 63 ff 08 00', padTo: 1400, answer: '4.xx|none' } },
            { get: 2 },
            { 'expect-reply': '2.05' },
          ],
        },
      ],
    }),
  );
  const r = await runInProcess({ rigFile: rig, suitePaths: [suite], reportsDir: join(tmp.dir, 'reports') });
  junit = r.junit;
  cases = casesOf(junit);
}, 240_000);
afterAll(() => tmp.cleanup());

describe('a restart the harness asked for', () => {
  test('is not judged a reboot; a refused request asks for nothing', () => {
    expect(cases.map((c) => [c.device, c.name, c.status])).toEqual([
      ['meter-1', 'signed RebootRequest', 'passed'],
      ['meter-1', 'refused RebootRequest, then an oversized datagram', 'passed'],
      ['meter-2', 'signed RebootRequest', 'passed'],
      ['meter-2', 'refused RebootRequest, then an oversized datagram', 'failed'],
    ]);
    expect([...junit.matchAll(/<failure message="[^"]*" type="([^"]+)"/g)].map((m) => m[1])).toEqual(['rebooted']);
  });
});
