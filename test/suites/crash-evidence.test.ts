/**
 * What a run's crash verdict carries (issue 8 item 2), on the real pty/SLIP path: the class as the
 * JUnit failure's type, the cause and fix of a crash rather than the guess of the test's own check
 * (a lossy link), and the input — each frame the harness sent the device in the test, its bytes
 * and its TLVs decoded. A healthy meter given the same input passes.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { caseOf, casesOf, runInProcess, SUITES, type CaseResult } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
let junit = '';
let cases: CaseResult[] = [];

beforeAll(async () => {
  const rig = writeRig(tmp.dir, 'evidence', [{}, { faults: ['crashes-without-hwinfo'] }]);
  const r = await runInProcess({ rigFile: rig, suitePaths: [join(SUITES, '11-robustness.yaml')], reportsDir: `${tmp.dir}/reports`, run: { grep: 'without hwInfo' } });
  junit = r.junit;
  cases = casesOf(junit);
}, 120_000);
afterAll(() => tmp.cleanup());

const NAME = 'survives a TransferRequest without hwInfo';

describe('a crash verdict in a run names its class and its input', () => {
  test('the healthy meter passes; the crashing model fails with the class as the failure type', () => {
    expect(cases.map((c) => [c.device, c.status])).toEqual([
      ['meter-1', 'passed'],
      ['meter-2', 'failed'],
    ]);
    const failures = [...junit.matchAll(/<failure message="[^"]*" type="([^"]+)"/g)].map((m) => m[1]);
    expect(failures).toEqual(['crashed']);
  });

  test('the text gives the crash cause and the signed POST it sent: bytes, then each TLV decoded', () => {
    const text = caseOf(cases, 'meter-2', NAME).text!;
    expect(text.startsWith('the device crashed after this input: radio silent, console still answers (no answer to GET 22,7,45 within 4 s; console prompt answers); detected in ')).toBe(true);
    expect(text).toContain("\nlikely cause: this test's input crashed, hung, rebooted or degraded the device firmware (the input is below; its pcap and console log are attached)\n");
    expect(text).toContain("\nfix: give the firmware team this input with the test's pcap and console log; once fixed, the same test (hil run --grep) must pass\n");
    const input = text.slice(text.indexOf('\ninput (the frames sent to the device in this test, before it crashed):\n') + 1).split('\n');
    // The signature's DER is 70 to 72 bytes: the packet's length follows it.
    const head = /^ {2}CON 0\.02 POST \/c mid 0x[0-9a-f]{4} \(signed\) to \[fd00:77::102\]:61628; IPv6 packet, (\d+) bytes: (60 00 00 00 00 [0-9a-f]{2} 11 40 fd 00( [0-9a-f]{2})+)$/.exec(input[1]!);
    expect(head).not.toBeNull();
    expect(head![2]!.split(' ')).toHaveLength(Number(head![1]));
    expect(Number(head![1])).toBeGreaterThanOrEqual(219);
    expect(input.slice(2, 4)).toEqual([
      '    [65/TransferRequest]: {"fileHash":"0000000000000000000000000000000000000000000000000000000000000000","fileName":"robustness","version":"0.0.1","fileSize":1024,"blockSize":1024}',
      expect.stringMatching(/^ {4}\[76\/SignatureValidity\]: \{"notBefore":\d+,"notAfter":\d+\}$/),
    ]);
    expect(input[4]).toMatch(/^ {4}\[77\/Signature\]: \{"value":"30[0-9a-f]+"\}$/);
    // Only the test's input: not the baseline GET before it, nor the probes after.
    expect(input.filter((l) => /^ {2}\S/.test(l))).toHaveLength(1);
  });
});
