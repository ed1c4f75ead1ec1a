/**
 * The HTML report of a big nightly: 3,000 tests and 100,000 frames (the FND captures' frames,
 * decoded by the frame tap as a run decodes them), 2 % of the tests failing. Measures how fast
 * frames become report events, the report file's size, how long one rewrite takes, and peak RSS.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcapFile } from '../drivers/pcap/reader.js';
import { frameEvent, type FrameContext } from '../harness/decode/frame-event.js';
import { emptyCounts, type RunInfo, type TestCase, type TestResult } from '../harness/model/run-model.js';
import type { FrameEvent } from '../harness/model/observations.js';
import { HtmlReporter } from '../harness/report/html/reporter.js';

export interface ReportFigures {
  framesPerSec: number;
  fileMB: number;
  writeMs: number;
  peakRssMB: number;
}

const TESTS = 3_000;
const FRAMES = 100_000;

export function benchReportSize(vectorsDir: string, log: (s: string) => void): ReportFigures {
  const packets = ['csmp_register.pcap', 'csmp_get.pcap'].flatMap((f) => readPcapFile(join(vectorsDir, f)).records.flatMap((r) => (r.ipv6 ? [r.ipv6] : [])));
  const ctx: FrameContext = { link: 'dongle0', names: new Map(), signers: new Set() };
  // CPU time, not wall time: the figure should not depend on what else the machine runs.
  const cpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const c0 = cpu();
  const events: FrameEvent[] = [];
  for (let i = 0; i < 20_000; i++) events.push(frameEvent({ direction: 'in', ipv6: packets[i % packets.length]!, at: i }, ctx));
  const framesPerSec = 20_000 / (cpu() - c0);

  const dir = mkdtempSync(join(tmpdir(), 'hil-report-size-'));
  try {
    const file = join(dir, 'report.html');
    const device = { name: 'meter-1', eui64: '00173bfffe000001', address: 'fd00:77::101', link: 'dongle0', port: 61628, firmwareVersion: '5.6.21', hwId: 'hw', firmwareGroup: '317', capabilities: [] };
    const tests: TestCase[] = Array.from({ length: TESTS }, (_, i) => ({
      id: i.toString(16).padStart(16, '0'),
      rig: 'rack',
      suite: { name: `suite-${i % 30}`, branch: 'registration', file: 'suites/x.yaml' },
      name: `test number ${i} of a long night with a descriptive name`,
      title: `suite-${i % 30} @ meter-${i % 100} › test number ${i}`,
      where: 'suites/x.yaml:1:1',
      device: { ...device, name: `meter-${i % 100}` },
      requires: { capabilities: [], nmsAddresses: [] },
      retries: 0,
    }));
    const info: RunInfo = { rig: { name: 'rack', file: 'rigs/rack.yaml' }, startTime: 0, tests, retries: 0, bail: false };
    const html = new HtmlReporter({ outputFile: file });
    html.onBegin(info);
    const perTest = Math.ceil(FRAMES / TESTS);
    let n = 0;
    tests.forEach((t, i) => {
      html.onTestBegin(t, { retry: 0 });
      for (let k = 0; k < perTest && n < FRAMES; k++, n++) html.onFrame({ ...events[n % events.length]!, at: k, testId: t.id, retry: 0 });
      const failed = i % 50 === 0;
      const result: TestResult = {
        testId: t.id,
        retry: 0,
        status: failed ? 'failed' : 'passed',
        willRetry: false,
        startTime: 0,
        duration: 1500,
        steps: [{ phase: 'test', index: 1, text: 'get: 75', status: failed ? 'failed' : 'passed', startTime: 0, duration: 20, logs: ['GET 75 → 2.05'], attachments: [] }],
        attachments: [],
        ...(failed ? { failure: { kind: 'expectation' as const, message: 'step 1 (get: 75): version 5.6.20, expected 5.6.21' } } : {}),
      };
      html.onTestEnd(t, result);
    });
    const w0 = cpu();
    html.onEnd({ status: 'failed', startTime: 0, duration: 3_600_000, counts: emptyCounts() });
    const writeMs = (cpu() - w0) * 1000;
    const fileMB = statSync(file).size / 1024 / 1024;
    const figures = { framesPerSec, fileMB, writeMs, peakRssMB: process.resourceUsage().maxRSS / 1024 };
    log(`report: frames → events ${Math.round(framesPerSec).toLocaleString('en')}/s; HTML of ${TESTS.toLocaleString('en')} tests, ${FRAMES.toLocaleString('en')} frames: ${fileMB.toFixed(1)} MB, one rewrite ${Math.round(writeMs)} ms CPU, peak RSS ${Math.round(figures.peakRssMB)} MB`);
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
