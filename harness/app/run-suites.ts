/**
 * `hil run` as a function: load the rig and the suites, open the bench, run every selected test
 * (devices in parallel, one test at a time per device), report, close everything, and say which
 * exit code the process should end with (0 all passed, 1 some failed, 2 the harness could not
 * run, 128+n interrupted by signal n).
 *
 * Reports go under one folder: junit.xml, the per-test attachments, and the virtual rig's own
 * files (rig/). Nothing the run creates lives anywhere else.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { loadRig, type Rig } from '../config/rig.js';
import { withMeters } from './scale-rig.js';
import { loadSuites, type Suite } from '../config/suite.js';
import { ConfigError, ResourceError } from '../../core/errors.js';
import { createReporters, parseReporterList, type ReporterSpec } from '../report/select.js';
import { Multiplexer } from '../model/multiplexer.js';
import { exitCodeFor } from '../runner/exit-code.js';
import type { RunOptions } from '../runner/options.js';
import { Run } from '../runner/run.js';
import { handleSignals, type SignalHandling } from '../runner/signals.js';
import type { RunSummary } from '../model/run-model.js';
import { CsmpStepExecutor } from '../steps/executor.js';
import { BenchSession } from '../steps/session.js';
import { TestCaptures } from './captures.js';
import { openBench } from './open-bench.js';

export interface RunSuitesOptions {
  rigFile: string;
  /** Virtual rigs only: run with this many meters instead of the file's (scale-rig.ts). */
  meters?: number;
  suitePaths: readonly string[];
  reportsDir: string;
  /** --reporter value: 'junit,tap,progress,events' with optional '=file' for junit/events. */
  reporters?: string;
  run?: Omit<RunOptions, 'clock' | 'lockDir'>;
  stdout?: Writable & { isTTY?: boolean; columns?: number };
  stderr?: Writable & { isTTY?: boolean; columns?: number };
  /** Default process; tests pass an emitter to send signals without killing jest. */
  signals?: NodeJS.Process;
}

export interface RunSuitesResult {
  exitCode: number;
  summary?: RunSummary;
  junitFile: string;
}

/** Reporter specs with junit always on, and default files inside the reports folder. */
export function reporterSpecs(text: string | undefined, reportsDir: string): ReporterSpec[] {
  const items = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const specs = parseReporterList(items.join(','));
  items.forEach((item, i) => {
    const s = specs[i]!;
    if ((s.kind === 'junit' || s.kind === 'events') && !item.includes('=')) s.outputFile = join(reportsDir, s.kind === 'junit' ? 'junit.xml' : 'events.jsonl');
  });
  if (!specs.some((s) => s.kind === 'junit')) specs.unshift({ kind: 'junit', outputFile: join(reportsDir, 'junit.xml') });
  return specs;
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
  const stdout = o.stdout ?? process.stdout;
  const stderr = o.stderr ?? process.stderr;
  const say = (line: string): void => void stderr.write(`hil run: ${line}\n`);
  let specs: ReporterSpec[];
  let rig: Rig;
  let suites: Suite[];
  try {
    specs = reporterSpecs(o.reporters, o.reportsDir);
    rig = await loadRig(o.rigFile);
    if (o.meters !== undefined) rig = withMeters(rig, o.meters);
    suites = await loadSuites(o.suitePaths);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ResourceError) {
      say(e.message);
      return { exitCode: 2, junitFile: join(o.reportsDir, 'junit.xml') };
    }
    throw e;
  }
  const junitFile = (specs.find((s) => s.kind === 'junit') as { outputFile: string }).outputFile;
  // Hardware boards are shared between runs and racks; the virtual rig's are this run's own.
  const lockDir = rig.virtual ? undefined : join(tmpdir(), 'csmp-hil-locks');
  const runOptions: RunOptions = { ...o.run, ...(lockDir ? { lockDir } : {}) };

  // Plan first with a stand-in executor: bad --device/--suite/--grep/--shard is exit 2 before any port is opened.
  let planned: Run;
  try {
    planned = new Run({ rig, suites, executor: { execute: async () => ({ status: 'error' }) }, options: runOptions });
  } catch (e) {
    if (e instanceof ConfigError) {
      say(e.message);
      return { exitCode: 2, junitFile };
    }
    throw e;
  }
  const active = [...new Set(planned.tests.filter((t) => !t.skipReason).map((t) => t.device.name))];

  let opened;
  try {
    opened = await openBench(rig, { runDir: o.reportsDir, devices: active });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ResourceError || (e as NodeJS.ErrnoException).code !== undefined) {
      say(`cannot open the rig ${rig.name}: ${(e as Error).message}`);
      return { exitCode: 2, junitFile };
    }
    throw e;
  }

  try {
    const captures = new TestCaptures(join(o.reportsDir, 'attachments'), opened.links, opened.consoleLogs);
    const session = new BenchSession(opened.bench, captures);
    const executor = new CsmpStepExecutor(opened.bench);
    const reporters = createReporters(specs, { stdout, stderr });
    const run = new Run({ rig: opened.rig, suites, executor, session, reporter: new Multiplexer(reporters, (l) => void stderr.write(`${l}\n`)), options: runOptions });
    signals.attach(run);
    const summary = await run.start();
    return { exitCode: exitCodeFor(summary, signals.received), summary, junitFile };
  } finally {
    await opened.close();
  }
}
