import { afterAll, describe, expect, test } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildUdpPacket } from '../../../drivers/ip/packet.js';
import type { LinkFrame } from '../../../drivers/link/types.js';
import { readPcap } from '../../../drivers/pcap/reader.js';
import { TestCaptures, slug } from '../../../harness/app/captures.js';
import { openBench } from '../../../harness/app/open-bench.js';
import { reporterSpecs } from '../../../harness/app/run-suites.js';
import { withMeters } from '../../../harness/app/scale-rig.js';
import { loadRig } from '../../../harness/config/rig.js';
import type { DeviceSpec } from '../../../harness/config/rig.js';
import type { Attachment } from '../../../harness/model/run-model.js';
import type { HookContext } from '../../../harness/runner/executor.js';
import { processesMentioning } from '../cli/support/cli.js';
import { MemoryLink } from '../../support/memory-link.js';
import { expectConfigError, expectResourceRejection } from '../../support/errors.js';
import { casesOf, runInProcess } from '../../suites/support/run.js';
import { tempDir, writeRig } from '../../suites/support/rigs.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('openBench on the virtual rig', () => {
  test('opens the simulation, links, NMS, consoles and power; close leaves nothing running', async () => {
    const runDir = join(tmp.dir, 'open');
    const rig = await loadRig(writeRig(tmp.dir, 'open', [{}, {}]));
    const b = await openBench(rig, { runDir });
    try {
      expect(b.virtual).toBeDefined();
      expect(b.rig.links[0]!.kind === 'slip' && b.rig.links[0]!.path).toBe(join(runDir, 'rig', 'dongle0'));
      expect(b.bench.timeScale).toBe(60);
      expect(b.bench.console('meter-1')).toBeDefined();
      expect(b.bench.power('meter-2')).toBeDefined();
      expect(await b.bench.console('meter-2')!.run('date offset')).toBe('offset +0 s');
      await b.nms.devices.waitForState('meter-1', 'up', b.bench.toClockMs(20_000));
      expect(b.consoleLogs.get('meter-2')!.textSince(0)).toMatch(/> date offset\n.*< offset \+0 s/);
      expect(processesMentioning(runDir).length).toBeGreaterThan(0);
    } finally {
      await b.close();
      await b.close();
    }
    expect(processesMentioning(runDir)).toEqual([]);
    expect(readdirSync(tmp.dir).sort()).toEqual(['open', 'open.yaml']);
  }, 60_000);

  test('a link that cannot be opened is a ResourceError and nothing is left behind', async () => {
    const runDir = join(tmp.dir, 'busy');
    const rig = await loadRig(
      writeRig(tmp.dir, 'busy', [{}], (r) => {
        delete r.virtual;
        (r.links as { path: string }[])[0]!.path = join(tmp.dir, 'no-such-tty');
        for (const d of r.devices as Record<string, unknown>[]) {
          delete d.console;
          delete d.power;
          d.capabilities = [];
        }
      }),
    );
    const e = await expectResourceRejection(openBench(rig, { runDir, lockDir: join(tmp.dir, 'locks') }), { code: 'missing' });
    expect(e.resource).toContain('no-such-tty');
    expect(existsSync(join(tmp.dir, 'locks')) ? readdirSync(join(tmp.dir, 'locks')) : []).toEqual([]);
  });
});

describe('per-test captures', () => {
  const device = { name: 'meter-1', address: 'fd00:77::101', link: 'mesh' } as DeviceSpec;
  const frame = (src: string, dst: string, at: number, direction: 'in' | 'out' = 'in'): LinkFrame => ({
    direction,
    at,
    ipv6: buildUdpPacket({ src, dst, srcPort: 61628, dstPort: 61628, payload: Uint8Array.of(0x50, 0x02, 0, 1) }),
  });

  test("the device's frames of the test span, as a pcap, and its console log, attached", () => {
    const [link] = MemoryLink.pair(['mesh', 'other']);
    const dir = join(tmp.dir, 'cap');
    const captures = new TestCaptures(dir, new Map([['mesh', link]]), new Map([['meter-1', { textSince: () => '2024-01-01T00:00:00.000Z > date\n' }]]));
    const attached: Attachment[] = [];
    const ctx = {
      testCase: { id: 'x', name: 'a/b test', suite: { name: 'clock-skew' } },
      log: () => {},
      attach: (a: Attachment) => attached.push(a),
    } as unknown as HookContext;
    link.emit('frame', frame('fd00:77::101', 'fd00::1', 1000));
    captures.testStart(device, ctx);
    link.emit('frame', frame('fd00:77::101', 'fd00::1', 2000));
    link.emit('frame', frame('fd00:77::102', 'fd00::1', 2001));
    link.emit('frame', frame('fd00::1', 'fd00:77::101', 2002, 'out'));
    link.emit('frame', { direction: 'in', at: 2003, ipv6: Uint8Array.of(1, 2, 3) } satisfies LinkFrame);
    captures.testEnd(device, ctx);
    link.emit('frame', frame('fd00:77::101', 'fd00::1', 3000));
    const pcap = join(dir, 'clock-skew', 'meter-1', 'a-b-test.pcap');
    expect(attached).toEqual([
      { name: 'meter-1.pcap', path: pcap, contentType: 'application/vnd.tcpdump.pcap' },
      { name: 'meter-1.console.log', path: join(dir, 'clock-skew', 'meter-1', 'a-b-test.console.log'), contentType: 'text/plain' },
    ]);
    const read = readPcap(readFileSync(pcap));
    expect(read.records.map((r) => r.time)).toEqual([2000, 2002, 2003]);
    expect(readFileSync(attached[1]!.path, 'utf8')).toBe('2024-01-01T00:00:00.000Z > date\n');
    // A retry gets its own files.
    captures.testStart(device, ctx);
    captures.testEnd(device, ctx);
    expect(attached[2]!.path).toBe(join(dir, 'clock-skew', 'meter-1', 'a-b-test.retry1.pcap'));
    expect(readdirSync(join(dir, 'clock-skew', 'meter-1')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('names from free text', () => {
    expect(slug('registers, accepts the signed response')).toBe('registers-accepts-the-signed-response');
    expect(slug('../../etc')).toBe('..-..-etc');
  });
});

describe('runSuites', () => {
  test('junit is always written, inside the reports folder unless a file is named', () => {
    expect(reporterSpecs(undefined, 'r')).toEqual([{ kind: 'junit', outputFile: 'r/junit.xml' }]);
    expect(reporterSpecs('tap,events', 'r')).toEqual([{ kind: 'junit', outputFile: 'r/junit.xml' }, { kind: 'tap' }, { kind: 'events', outputFile: 'r/events.jsonl' }]);
    expect(reporterSpecs('junit=out/j.xml,progress', 'r')).toEqual([{ kind: 'junit', outputFile: 'out/j.xml' }, { kind: 'progress' }]);
  });

  test('a bad rig is exit 2 with the reason', async () => {
    const bad = join(tmp.dir, 'bad.yaml');
    writeFileSync(bad, 'nms: {}\n');
    const r = await runInProcess({ rigFile: bad, suitePaths: ['suites'], reportsDir: join(tmp.dir, 'bad') });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`hil run: ${bad}:1:6: nms: missing property 'addresses'\n`);
  });

  test('SIGTERM stops the run: the test in progress ends interrupted, restore runs, exit 143', async () => {
    const suite = join(tmp.dir, 'wait.yaml');
    writeFileSync(suite, 'suite: w\nbranch: registration\ntests:\n  - name: one\n    steps:\n      - get: 2\n  - name: two\n    steps:\n      - firewall: drop inbound\n      - wait: 10h\n  - name: three\n    steps:\n      - get: 2\n');
    const signals = new EventEmitter() as NodeJS.Process;
    const rig = writeRig(tmp.dir, 'sig', [{}]);
    const reports = join(tmp.dir, 'sig');
    const running = runInProcess({ rigFile: rig, suitePaths: [suite], reportsDir: reports, reporters: 'junit,events', signals });
    await new Promise<void>((resolve) => {
      const check = (): void => {
        const events = existsSync(join(reports, 'events.jsonl')) ? readFileSync(join(reports, 'events.jsonl'), 'utf8') : '';
        if ((events.match(/"type":"stepBegin"[^\n]*"wait: 10h"/g) ?? []).length) resolve();
        else setTimeout(check, 20);
      };
      check();
    });
    signals.emit('SIGTERM', 'SIGTERM');
    const r = await running;
    expect(r.exitCode).toBe(143);
    expect(casesOf(r.junit).map((c) => `${c.status} ${c.name}${c.message ? `: ${c.message}` : ''}`)).toEqual([
      'passed one',
      'error two: received SIGTERM during step 2 (wait: 10h)',
      'skipped three',
    ]);
    expect(r.junit).toMatch(/firewall open again for fd00:77::101/);
  }, 60_000);

  test('a signal while the rig is still opening is not fatal: no test runs, the JUnit says so, exit 143', async () => {
    const signals = new EventEmitter() as NodeJS.Process;
    const rig = writeRig(tmp.dir, 'early', [{}]);
    const reports = join(tmp.dir, 'early');
    const running = runInProcess({ rigFile: rig, suitePaths: [join('suites', '1-registration.yaml')], reportsDir: reports, signals });
    signals.emit('SIGTERM', 'SIGTERM');
    const r = await running;
    expect(r.exitCode).toBe(143);
    expect(casesOf(r.junit).map((c) => `${c.status} ${c.name}`)).toEqual([
      'skipped registers, accepts the signed response and reports',
      'skipped the troubleshooting flowchart finds nothing wrong',
      'skipped refuses an unsigned POST',
      'skipped keeps trying while the NMS turns it away, and registers once it may',
    ]);
    expect(r.junit.match(/<skipped>not run: received SIGTERM before the first test<\/skipped>/g)).toHaveLength(4);
    expect(r.stderr).toMatch(/^interrupted: 0 passed, 0 failed, 4 skipped in \d+ms — received SIGTERM before the first test$/m);
  }, 60_000);
});

describe('withMeters', () => {
  test('numbers meters after the first device', async () => {
    const rig = withMeters(await loadRig('rigs/virtual.yaml', { checkFiles: false }), 6);
    expect(rig.devices.map((d) => `${d.name} ${d.eui64} ${d.address}`)).toEqual([
      'meter-1 00173bfffe000001 fd00:77::101',
      'meter-2 00173bfffe000002 fd00:77::102',
      'meter-3 00173bfffe000003 fd00:77::103',
      'meter-4 00173bfffe000004 fd00:77::104',
      'meter-5 00173bfffe000005 fd00:77::105',
      'meter-6 00173bfffe000006 fd00:77::106',
    ]);
    expect((rig.virtual as { meters: { name: string }[] }).meters.map((m) => m.name)).toEqual(['meter-1', 'meter-2', 'meter-3', 'meter-4', 'meter-5', 'meter-6']);
    expect(withMeters(rig, 1).devices).toHaveLength(1);
    expectConfigError(() => withMeters(rig, 0), { where: '--meters', code: 'value' });
  });
});
