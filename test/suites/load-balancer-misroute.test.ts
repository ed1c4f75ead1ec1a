/**
 * The load-balancer suite against a meter that answers a CON request to its configured NMS address
 * (FND) on the port the request came from, instead of to the VIP that asked. The NMS listens on
 * both addresses, so the answer reaches it; it must still not count as the answer, because behind
 * a real load balancer the server that asked would never see it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { casesOf, runInProcess, SUITES, type CaseResult } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';

const tmp = tempDir();
let cases: CaseResult[] = [];
let exitCode = -1;

beforeAll(async () => {
  const rig = writeRig(tmp.dir, 'lb-misroute', [{ faults: ['reply-to-nms-host'] }, {}]);
  const r = await runInProcess({ rigFile: rig, suitePaths: [`${SUITES}/9-load-balancer.yaml`], reportsDir: `${tmp.dir}/reports` });
  cases = casesOf(r.junit);
  exitCode = r.exitCode;
}, 120_000);
afterAll(() => tmp.cleanup());

const on = (device: string, name: string): CaseResult => cases.find((c) => c.device === device && c.name.startsWith(name))!;

describe('load-balancer: a CON answered to the FND address on the requesting port', () => {
  test('fails, naming the address the answer went to and the one the request came from', () => {
    const c = on('meter-1', 'answers a CON');
    expect(c.status).toBe('failed');
    expect(c.message).toBe('step 2 (get: 18): GET 18: meter-1 answered, but to [fd00::1]:62590 instead of [fd00::2]:62590 where the request came from');
    expect(c.text).toMatch(/seen: the device sent ACK 2\.05 \(MID \d+\) from \[fd00:77::101\]:61628 to \[fd00::1\]:62590/);
  });

  test('a healthy meter passes the suite; the run fails (exit 1) on the faulty one alone', () => {
    expect(cases.filter((c) => c.device === 'meter-2').map((c) => [c.name, c.status])).toEqual([
      ['answers a CON request to the address it came from', 'passed'],
      ['answers arriving at another NMS address are detected', 'passed'],
    ]);
    expect(cases.filter((c) => c.status !== 'passed').map((c) => `${c.device} › ${c.name}`)).toEqual(['meter-1 › answers a CON request to the address it came from']);
    expect(exitCode).toBe(1);
  });
});
