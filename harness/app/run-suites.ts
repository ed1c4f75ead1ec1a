/**
 * `hil run` as a function: load the rig and the suites, open the bench, run every selected test
 * (devices in parallel, one test at a time per device), report, close everything, and say which
 * exit code the process should end with (0 all passed, 1 some failed, 2 the harness could not
 * run, 128+n interrupted by signal n).
 *
 * Reports go under one folder: junit.xml, the per-test attachments, and the virtual rig's own
 * files (rig/). Nothing the run creates lives anywhere else.
 */
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { loadRig, type Rig } from '../config/rig.js';
import { withMeters } from './scale-rig.js';
import { loadSuites, type Suite } from '../config/suite.js';
import { ConfigError, ResourceError } from '../../core/errors.js';
import { createReporters, parseReporterList, type ReporterSpec, type ReportSettings } from '../report/select.js';
import { startupLine } from '../report/terminal.js';
import type { LeaseStore } from '../../core/lease.js';
import { leaseStoreFor } from './lease-store.js';
import { ciJobUrl } from '../../drivers/lease/owner.js';
import { Multiplexer } from '../model/multiplexer.js';
import { exitCodeFor } from '../runner/exit-code.js';
import type { RunOptions } from '../runner/options.js';
import { Run } from '../runner/run.js';
import { handleSignals, type SignalHandling } from '../runner/signals.js';
import type { RunSummary } from '../model/run-model.js';
import type { Reporter } from '../model/reporter.js';
import { CsmpStepExecutor } from '../steps/executor.js';
import { BenchSession } from '../steps/session.js';
import { TestCaptures } from './captures.js';
import { openBench, type OpenedBench } from './open-bench.js';
import { RunObserver } from './run-observer.js';

export interface RunSuitesOptions {
  rigFile: string;
  /** Virtual rigs only: run with this many meters instead of the file's (scale-rig.ts). */
  meters?: number;
  suitePaths: readonly string[];
  reportsDir: string;
  /** --reporter value: 'junit,html,tap,progress,events' with optional '=file' for junit/html/events. */
  reporters?: string;
  /** The HTML report beside JUnit (default true; --no-html). */
  html?: boolean;
  /** Cross-reporter settings: JUnit attachment paths, history folder, extra report files. */
  report?: ReportSettings;
  /** Where the virtual rig keeps its ptys, sockets and flash files; default the reports folder. */
  runDir?: string;
  /**
   * Runs once the bench is open, before any test: a reason to refuse the run (certification's
   * firmware check), or undefined to go on. A refused run runs no test and exits 1.
   */
  preflight?: (opened: OpenedBench) => Promise<string | undefined>;
  /** Changes to the loaded rig before it opens (certification gives virtual meters the image under test). */
  adjustRig?: (rig: Rig) => Rig;
  /** Listeners besides the selected reporters (certification collects the verdicts). */
  extraReporters?: readonly Reporter[];
  run?: Omit<RunOptions, 'clock' | 'leases'>;
  stdout?: Writable & { isTTY?: boolean; columns?: number };
  stderr?: Writable & { isTTY?: boolean; columns?: number };
  /** Default process; tests pass an emitter to send signals without killing jest. */
  signals?: NodeJS.Process;
}

export interface RunSuitesResult {
  exitCode: number;
  summary?: RunSummary;
  junitFile: string;
  /** The HTML report, when one was written. */
  htmlFile?: string;
  /** Why preflight refused the run. */
  refused?: string;
}

const FILE_NAMES = { junit: 'junit.xml', html: 'report.html', events: 'events.jsonl' } as const;

/**
 * Reporter specs with JUnit always on, HTML on unless `html` is false, the per-test pcap writer
 * when `pcap` (a live run; a merge copies the shards' pcaps instead), and default files inside the
 * reports folder.
 */
export function reporterSpecs(text: string | undefined, reportsDir: string, opts: { html?: boolean; pcap?: boolean } = {}): ReporterSpec[] {
  const items = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const specs = parseReporterList(items.join(','));
  items.forEach((item, i) => {
    const s = specs[i]!;
    if ((s.kind === 'junit' || s.kind === 'events' || s.kind === 'html') && !item.includes('=')) s.outputFile = join(reportsDir, FILE_NAMES[s.kind]);
    if (s.kind === 'pcap' && !item.includes('=')) s.dir = join(reportsDir, 'attachments');
  });
  if (!specs.some((s) => s.kind === 'junit')) specs.unshift({ kind: 'junit', outputFile: join(reportsDir, FILE_NAMES.junit) });
  if (opts.html !== false && !specs.some((s) => s.kind === 'html')) specs.splice(specs.findIndex((s) => s.kind === 'junit') + 1, 0, { kind: 'html', outputFile: join(reportsDir, FILE_NAMES.html) });
  if (opts.html === false) return withPcap(specs.filter((s) => s.kind !== 'html'), reportsDir, opts.pcap);
  return withPcap(specs, reportsDir, opts.pcap);
}

function withPcap(specs: ReporterSpec[], reportsDir: string, pcap: boolean | undefined): ReporterSpec[] {
  if (pcap && !specs.some((s) => s.kind === 'pcap')) specs.push({ kind: 'pcap', dir: join(reportsDir, 'attachments') });
  if (!pcap) return specs.filter((s) => s.kind !== 'pcap');
  return specs;
}

/** The CI job is read here, at the composition root: reporters read no environment of their own. */
function reportSettings(report: ReportSettings | undefined): ReportSettings {
  const ci = report?.historyDir !== undefined ? ciJobUrl() : undefined;
  return { ...report, ...(ci ? { ciJobUrl: ci } : {}) };
}

export async function runSuites(o: RunSuitesOptions): Promise<RunSuitesResult> {
  const signals = handleSignals(o.signals ?? process);
  try {
    return await loadAndRun(o, signals);
  } finally {
    signals.dispose();
  }
}

async function loadAndRun(o: RunSuitesOptions, signals: SignalHandling): Promise<RunSuitesResult> {
  const stderr = o.stderr ?? process.stderr;
  const say = (line: string): void => void stderr.write(`hil run: ${line}\n`);
  let specs: ReporterSpec[];
  let rig: Rig;
  let suites: Suite[];
  try {
    specs = reporterSpecs(o.reporters, o.reportsDir, { pcap: true, ...(o.html !== undefined ? { html: o.html } : {}) });
    rig = await loadRig(o.rigFile);
    if (o.meters !== undefined) rig = withMeters(rig, o.meters);
    if (o.adjustRig) rig = o.adjustRig(rig);
    suites = await loadSuites(o.suitePaths);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ResourceError) {
      say(e.message);
      return { exitCode: 2, junitFile: join(o.reportsDir, 'junit.xml') };
    }
    throw e;
  }
  const junitFile = (specs.find((s) => s.kind === 'junit') as { outputFile: string }).outputFile;
  const htmlSpec = specs.find((s) => s.kind === 'html') as { outputFile: string } | undefined;
  const files = { junitFile, ...(htmlSpec ? { htmlFile: htmlSpec.outputFile } : {}) };
  const attachmentsDir = (specs.find((s) => s.kind === 'pcap') as { dir: string }).dir;

  // Plan first with a stand-in executor: bad --device/--suite/--grep/--shard is exit 2 before any port is opened.
  let planned: Run;
  try {
    planned = new Run({ rig, suites, executor: { execute: async () => ({ status: 'error' }) }, options: o.run ?? {} });
  } catch (e) {
    if (e instanceof ConfigError) {
      say(e.message);
      return { exitCode: 2, ...files };
    }
    throw e;
  }
  const active = [...new Set(planned.tests.filter((t) => !t.skipReason).map((t) => t.device.name))];
  // At once: opening a rig takes seconds, and a person should see what is about to happen.
  stderr.write(
    `${startupLine({
      rig: { name: rig.name, file: o.rigFile },
      devices: [...new Set(planned.tests.map((t) => t.device.name))],
      suites: [...new Set(planned.tests.map((t) => t.suite.name))],
      tests: planned.tests.length,
    })}\n`,
  );

  let leases: LeaseStore | undefined;
  try {
    leases = await leaseStoreFor(rig);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ResourceError) {
      say(`cannot reach the rig's lease store: ${e.message}`);
      return { exitCode: 2, ...files };
    }
    throw e;
  }
  try {
    return await openAndRun(o, signals, { rig, suites, specs, files, attachmentsDir, active, leases });
  } finally {
    await leases?.close();
  }
}

interface Loaded {
  rig: Rig;
  suites: Suite[];
  specs: ReporterSpec[];
  files: { junitFile: string; htmlFile?: string };
  attachmentsDir: string;
  /** Devices with a test to run. */
  active: string[];
  leases: LeaseStore | undefined;
}

async function openAndRun(o: RunSuitesOptions, signals: SignalHandling, { rig, suites, specs, files, attachmentsDir, active, leases }: Loaded): Promise<RunSuitesResult> {
  const stdout = o.stdout ?? process.stdout;
  const stderr = o.stderr ?? process.stderr;
  const say = (line: string): void => void stderr.write(`hil run: ${line}\n`);
  const runOptions: RunOptions = { ...o.run, ...(leases ? { leases } : {}) };
  let opened;
  try {
    opened = await openBench(rig, { runDir: o.runDir ?? o.reportsDir, devices: active, ...(leases ? { leases } : {}) });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ResourceError || (e as NodeJS.ErrnoException).code !== undefined) {
      say(`cannot open the rig ${rig.name}: ${(e as Error).message}`);
      return { exitCode: 2, ...files };
    }
    throw e;
  }

  let observer: RunObserver | undefined;
  try {
    const refused = o.preflight ? await o.preflight(opened) : undefined;
    if (refused !== undefined) {
      say(refused);
      return { exitCode: 1, ...files, refused };
    }
    const reporters = new Multiplexer([...createReporters(specs, { stdout, stderr }, reportSettings(o.report)), ...(o.extraReporters ?? [])], (l) => void stderr.write(`${l}\n`));
    observer = new RunObserver(opened.observations, reporters);
    const captures = new TestCaptures(attachmentsDir, opened.consoleLogs, observer);
    const session = new BenchSession(opened.bench, captures);
    const executor = new CsmpStepExecutor(opened.bench);
    // The observer hears which test runs where before the reporters do, and feeds them the bench's observations.
    const run = new Run({ rig: opened.rig, suites, executor, session, reporter: new Multiplexer([observer, reporters]), options: runOptions });
    signals.attach(run);
    const summary = await run.start();
    return { exitCode: exitCodeFor(summary, signals.received), summary, ...files };
  } finally {
    observer?.stop();
    await opened.close();
  }
}
