import { afterAll, describe, expect, test } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildUdpPacket } from '../../../drivers/ip/packet.js';
import type { LinkFrame } from '../../../drivers/link/types.js';
import { readPcap } from '../../../drivers/pcap/reader.js';
import { TestCaptures } from '../../../harness/app/captures.js';
import { BenchObservations } from '../../../harness/app/bench-observations.js';
import { RunObserver } from '../../../harness/app/run-observer.js';
import { slug } from '../../../harness/report/attachment-paths.js';
import { PcapReporter } from '../../../harness/report/pcap.js';
import { Multiplexer } from '../../../harness/model/multiplexer.js';
import type { FrameEvent } from '../../../harness/model/observations.js';
import type { Link } from '../../../drivers/link/types.js';
import type { Rig } from '../../../harness/config/rig.js';
import type { TestCase } from '../../../harness/model/run-model.js';
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
  const rig = {
    nms: { addresses: [{ name: 'fnd', address: 'fd00::1' }], signing: { key: '', cert: join(tmp.dir, 'no-cert.pem') } },
    devices: [device, { name: 'meter-2', address: 'fd00:77::102', link: 'mesh' }],
  } as unknown as Rig;
  const frame = (src: string, dst: string, at: number, direction: 'in' | 'out' = 'in'): LinkFrame => ({
    direction,
    at,
    ipv6: buildUdpPacket({ src, dst, srcPort: 61628, dstPort: 61628, payload: Uint8Array.of(0x50, 0x02, 0, 1) }),
  });

  test("the device's frames of the attempt, as a pcap the pcap reporter writes, and its console log, attached", () => {
    const link = Object.assign(new EventEmitter(), { name: 'mesh' }) as unknown as Link;
    const dir = join(tmp.dir, 'cap');
    const observations = new BenchObservations(rig);
    observations.watchLink(link);
    const pcap = new PcapReporter({ dir });
    const seen: FrameEvent[] = [];
    const out = new Multiplexer([pcap, { onFrame: (f) => void seen.push(f) }]);
    const observer = new RunObserver(observations, out);
    const lines = [{ at: 2001, dir: 'tx' as const, text: 'date' }];
    const captures = new TestCaptures(dir, new Map([['meter-1', { textSince: () => '2024-01-01T00:00:00.000Z > date\n', linesSince: () => lines }]]), observer);
    const attached: Attachment[] = [];
    const logged: string[] = [];
    const tc = { id: 'x', name: 'a/b test', suite: { name: 'clock-skew' }, device: { name: 'meter-1', link: 'mesh' } } as unknown as TestCase;
    const ctx = { testCase: tc, log: (l: string) => logged.push(l), attach: (a: Attachment) => attached.push(a) } as unknown as HookContext;
    const begin = (retry: number): void => {
      observer.onTestBegin(tc, { retry });
      out.onTestBegin(tc, { retry, startTime: 0 });
    };
    const end = (retry: number): void => {
      observer.onTestEnd(tc);
      out.onTestEnd(tc, { testId: 'x', retry, status: 'passed', willRetry: false, startTime: 0, duration: 0, steps: [], attachments: [] });
    };
    link.emit('frame', frame('fd00:77::101', 'fd00::1', 1000));
    begin(0);
    captures.testStart(device, ctx);
    link.emit('frame', frame('fd00:77::101', 'fd00::1', 2000));
    link.emit('frame', frame('fd00:77::102', 'fd00::1', 2001));
    link.emit('frame', frame('fd00::1', 'fd00:77::101', 2002, 'out'));
    link.emit('frame', { direction: 'in', at: 2003, ipv6: Uint8Array.of(1, 2, 3) } satisfies LinkFrame);
    captures.testEnd(device, ctx);
    end(0);
    link.emit('frame', frame('fd00:77::101', 'fd00::1', 3000));
    const file = join(dir, 'clock-skew', 'meter-1', 'a-b-test-x.pcap');
    expect(attached).toEqual([
      { name: 'meter-1.pcap', path: file, contentType: 'application/vnd.tcpdump.pcap' },
      { name: 'meter-1.console.log', path: join(dir, 'clock-skew', 'meter-1', 'a-b-test-x.console.log'), contentType: 'text/plain' },
    ]);
    // Its own frames, the frames of no device (damaged) while it runs; not meter-2's, nor those outside the attempt.
    expect(readPcap(readFileSync(file)).records.map((r) => r.time)).toEqual([2000, 2002, 2003]);
    expect(seen.map((f) => [f.at, f.device ?? '-', f.testId ?? '-', f.from ?? '-', f.to ?? '-'])).toEqual([
      [1000, 'meter-1', '-', 'meter-1', 'fnd'],
      [2000, 'meter-1', 'x', 'meter-1', 'fnd'],
      [2001, 'meter-2', '-', 'meter-2', 'fnd'],
      [2002, 'meter-1', 'x', 'fnd', 'meter-1'],
      [2003, 'meter-1', 'x', '-', '-'],
      [3000, 'meter-1', '-', 'meter-1', 'fnd'],
    ]);
    expect(seen[4]!.error).toEqual({ layer: 'ipv6', offset: 3, reason: 'truncated header' });
    expect(readFileSync(attached[1]!.path, 'utf8')).toBe('2024-01-01T00:00:00.000Z > date\n');
    expect(logged).toEqual(['captured 3 frames and the console log']);
    // A retry gets its own files.
    begin(1);
    captures.testStart(device, ctx);
    captures.testEnd(device, ctx);
    end(1);
    expect(attached[2]!.path).toBe(join(dir, 'clock-skew', 'meter-1', 'a-b-test-x.retry1.pcap'));
    expect(readPcap(readFileSync(attached[2]!.path)).records).toEqual([]);
    expect(readdirSync(join(dir, 'clock-skew', 'meter-1')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    observer.stop();
    observations.stop();
  });

  test('names from free text', () => {
    expect(slug('registers, accepts the signed response')).toBe('registers-accepts-the-signed-response');
    expect(slug('../../etc')).toBe('..-..-etc');
  });
});

describe('runSuites', () => {
  test('junit is always written, inside the reports folder unless a file is named', () => {
    const html = { kind: 'html', outputFile: 'r/report.html' };
    expect(reporterSpecs(undefined, 'r')).toEqual([{ kind: 'junit', outputFile: 'r/junit.xml' }, html]);
    expect(reporterSpecs('tap,events', 'r')).toEqual([{ kind: 'junit', outputFile: 'r/junit.xml' }, html, { kind: 'tap' }, { kind: 'events', outputFile: 'r/events.jsonl' }]);
    expect(reporterSpecs('junit=out/j.xml,progress', 'r')).toEqual([{ kind: 'junit', outputFile: 'out/j.xml' }, html, { kind: 'progress' }]);
    // A live run writes the per-test pcaps; --no-html leaves the HTML out.
    expect(reporterSpecs('html=x.html', 'r', { pcap: true })).toEqual([{ kind: 'junit', outputFile: 'r/junit.xml' }, { kind: 'html', outputFile: 'x.html' }, { kind: 'pcap', dir: 'r/attachments' }]);
    expect(reporterSpecs(undefined, 'r', { html: false })).toEqual([{ kind: 'junit', outputFile: 'r/junit.xml' }]);
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
      'error run completed and recorded: the run was interrupted (received SIGTERM): 1 test not run',
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
      'skipped reports at the interval the NMS subscribed',
      'skipped keeps trying while the NMS turns it away, and registers once it may',
      'error run completed and recorded',
    ]);
    expect(casesOf(r.junit).at(-1)!.message).toBe('the run was interrupted (received SIGTERM before the first test): 5 tests not run');
    expect(r.junit.match(/<skipped message="not run: received SIGTERM before the first test">not run: received SIGTERM before the first test<\/skipped>/g)).toHaveLength(5);
    expect(r.stderr).toMatch(/^interrupted: 0 passed, 0 failed, 5 skipped in (?:\d+ms|\d+(?:\.\d)?s) — received SIGTERM before the first test$/m);
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
