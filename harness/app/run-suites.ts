/**
 * `hil run` as a function: load the rig and the suites, plan, take the reports folder (and a
 * hardware rig's devices), clear what an earlier run left there, open the bench, run every selected
 * test (devices in parallel, one test at a time per device), report, close everything, and say
 * which exit code the process should end with:
 *
 *   0 all passed · 1 some failed · 2 the harness could not run · 3 rig fault only (reserved) · 4 results
 *   could not be recorded (a report or attachment write failed) · 128+n stopped by signal n (129 also when orphaned)
 *
 * Order matters: nothing in the reports folder is created or touched before the folder is locked,
 * so a second run on the same folder is refused without harming the first (its virtual rig, ptys
 * and power sockets live there). What can be checked without touching anything (the rig and suite
 * files, the plan, every reporter's file) is checked before the lock. Once locked, the earlier run's
 * files are set aside (reports-folder.ts), not removed: everything else that can fail at start-up
 * (the lease store, the reporters' files and the history they read, the rig, the preflight, the
 * session start) runs after that, and the earlier run's files are removed only when the run starts
 * its reporters; a start-up failure puts them back as they were, since this run recorded nothing.
 * (Setting aside rather than opening everything before clearing: the virtual rig opens inside the
 * reports folder, under a name the clearing removes, so it cannot open before the earlier run's
 * files are out of the way; and every future start-up step is covered without being ordered.)
 *
 * Reports go under one folder: junit.xml, the per-test attachments, and the virtual rig's own
 * files (rig/). Nothing the run creates lives anywhere else.
 */
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { describeHolders, otherPortHolders } from '../../drivers/serial/port-holders.js';
import type { Rig } from '../config/rig.js';
import type { Suite } from '../config/suite.js';
import { ConfigError, ResourceError } from '../../core/errors.js';
import { checkReporterOutputs, createReporters, DEFAULT_FILE, parseReporterList, STDOUT, writesStdout, type ReporterEnvironment, type ReporterSpec, type ReportSettings } from '../report/select.js';
import { startupLine } from '../report/terminal.js';
import type { LeaseStore } from '../../core/lease.js';
import { closeLeaseStore, leaseStoreUnlessStopped } from './lease-store.js';
import { ciJobUrl } from '../../drivers/lease/owner.js';
import { Multiplexer } from '../model/multiplexer.js';
import type { Reporter } from '../model/reporter.js';
import { exitCodeFor } from '../runner/exit-code.js';
import type { RunOptions } from '../runner/options.js';
import { Run } from '../runner/run.js';
import type { RunSummary, TestCase, TestResult } from '../model/run-model.js';
import { CsmpStepExecutor } from '../steps/executor.js';
import { BenchSession } from '../steps/session.js';
import { describeStart, startSession } from '../steps/session-start.js';
import { TestCaptures } from './captures.js';
import { openBench, type OpenedBench } from './open-bench.js';
import type { Bench } from '../steps/bench.js';
import { planRun } from './plan-run.js';
import { RunObserver } from './run-observer.js';
import { plannedRig } from './planned-rig.js';
import { ProcessStop, Stopped, type SignalSource } from './process-stop.js';
import { guardRecording, RecordingHealth, RESULTS_NOT_RECORDED } from './recording.js';
import { setAsideEarlierRun, type EarlierRun } from './reports-folder.js';
import { ReproducerWriter } from './reproducers.js';
import { minimiseReproducers, type MinimiseOutcome, type MinimiseSettings } from './minimise-reproducers.js';
import { lockFolder, type FolderLock } from './reports-lock.js';
import { lockOutputs, type OutputLocks } from './output-locks.js';

export interface RunSuitesOptions {
  rigFile: string;
  /** Virtual rigs only: run with this many meters instead of the file's (scale-rig.ts). */
  meters?: number;
  suitePaths: readonly string[];
  reportsDir: string;
  /** --reporter value: 'junit,html,tap,progress,events,pcap' with optional '=file' ('-' for stdout: tap, events). */
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
  /** The process's stop wrapper (the CLI's, installed before anything loaded). */
  stop?: ProcessStop;
  /** Without `stop`: where signals come from (default process; tests pass an emitter). */
  signals?: SignalSource;
  /** Virtual rigs that keep state: resume the boards the last run left (or forget them: 'cold'); absent, neither. */
  persistence?: 'resume' | 'cold';
  /** Whether something else (`hil run --json`) owns stdout: no reporter may write there. */
  stdoutTaken?: boolean;
  /** `--minimise`: shrink each crash reproducer of a device with power control once the run's verdicts are recorded. */
  minimise?: MinimiseSettings;
}

export interface RunSuitesResult {
  exitCode: number;
  summary?: RunSummary;
  junitFile: string;
  /** The HTML report, when one was written. */
  htmlFile?: string;
  /** Why preflight refused the run. */
  refused?: string;
  /** Every test of this run with its final attempt, for `--json`. */
  tests?: { test: TestCase; result: TestResult | undefined }[];
  /** Writes that failed, by what failed (exit code 4). */
  unrecorded?: Record<string, number>;
  /** `--minimise`: each reproducer tried and what came of it (after the reports above were written). */
  minimised?: MinimiseOutcome[];
}

const FILE_NAMES = DEFAULT_FILE;

/**
 * Reporter specs with JUnit always on, HTML on unless `html` is false, the per-test pcap writer
 * when `pcap` (a live run; a merge copies the shards' pcaps instead), and default files inside the
 * reports folder (parseReporterList: nothing without `=file` is written anywhere else).
 */
export function reporterSpecs(text: string | undefined, reportsDir: string, opts: { html?: boolean; pcap?: boolean } = {}): ReporterSpec[] {
  const specs = parseReporterList(text ?? '', reportsDir);
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

/** At most one writer on stdout: two would interleave into something no consumer reads. */
export function checkStdoutOwners(specs: readonly ReporterSpec[], stdoutTaken: boolean): void {
  const owners: string[] = specs.filter(writesStdout).map((s) => (s.kind === 'tap' ? 'tap' : 'events=-'));
  if (stdoutTaken) owners.push('--json');
  if (owners.length > 1) throw new ConfigError('--reporter', 'conflict', `${owners.join(' and ')} would both write to standard output; send one to a file`);
}

export async function runSuites(o: RunSuitesOptions): Promise<RunSuitesResult> {
  const stop = o.stop ?? new ProcessStop(o.signals ?? process, { parentPollMs: 0 });
  try {
    return await loadAndRun(o, stop);
  } finally {
    if (!o.stop) stop.dispose();
  }
}

interface Loaded {
  specs: ReporterSpec[];
  rig: Rig;
  suites: Suite[];
  tests: readonly TestCase[];
  runOptions: RunOptions;
  /** Devices with a test to run. */
  active: string[];
  files: { junitFile: string; htmlFile?: string };
}

async function loadAndRun(o: RunSuitesOptions, stop: ProcessStop): Promise<RunSuitesResult> {
  const stderr = o.stderr ?? process.stderr;
  const say = (line: string): void => void stderr.write(`hil run: ${line}\n`);
  let loaded: Loaded;
  try {
    loaded = await load(o);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ResourceError) {
      say(e.message);
      return { exitCode: 2, junitFile: join(o.reportsDir, FILE_NAMES.junit) };
    }
    throw e;
  }
  const files = loaded.files;

  // The folder first: a refused run must not have touched the running one's rig or reports.
  const command = `hil run ${process.argv.slice(3).join(' ')}`.trim();
  let folder: FolderLock;
  try {
    folder = lockFolder(o.reportsDir, command);
  } catch (e) {
    if (e instanceof ResourceError) {
      say(`reports folder ${e.message}`);
      return { exitCode: 2, ...files };
    }
    throw e;
  }
  // Then every report file outside the folder: another run may name the same one.
  let outputs: OutputLocks;
  try {
    outputs = lockOutputs(reportFiles(loaded.specs), o.reportsDir, command);
    for (const line of outputs.unlocked) say(`warning: ${line}`);
  } catch (e) {
    folder.release();
    if (e instanceof ResourceError) {
      say(`report file ${e.message}`);
      return { exitCode: 2, ...files };
    }
    throw e;
  }
  let earlier: EarlierRun | undefined;
  let started = false;
  // Nothing of this run recorded: the earlier run's files go back as they were (also on a forced exit).
  const putBack = (): void => {
    if (started || !earlier) return;
    const found = earlier.found;
    const problems = earlier.restore();
    for (const p of problems) say(p);
    if (found.length && !problems.length) say(`this run recorded nothing: what an earlier run left in ${o.reportsDir} is left as it was (${found.join(', ')})`);
  };
  const unlock = stop.atExit(() => {
    putBack();
    outputs.release();
    folder.release();
  });
  let leases: LeaseStore | undefined;
  try {
    if (folder.tookOverFrom) say(`took over the lock of ${o.reportsDir} left by pid ${folder.tookOverFrom.pid} (${folder.tookOverFrom.command}, since ${folder.tookOverFrom.since}), which is no longer running`);
    // A hardware rig's boards are shared between runs and racks: the run leases them (lock files or
    // the rig's Redis); the virtual rig's are this run's own unless the rig names a lease store.
    try {
      // A store that does not answer gives way to a signal: the run then starts stopped, runs no test.
      const store = await leaseStoreUnlessStopped(loaded.rig, stop);
      if (store instanceof Stopped) say(`stopped while connecting to the rig's lease store (${store.message}): no device was leased`);
      else leases = store;
    } catch (e) {
      if (e instanceof ConfigError || e instanceof ResourceError) {
        say(`cannot reach the rig's lease store: ${e.message}`);
        return { exitCode: 2, ...files };
      }
      throw e;
    }
    if (leases) loaded.runOptions.leases = leases;
    earlier = setAsideEarlierRun(o.reportsDir, loaded.specs.flatMap((s) => ('outputFile' in s && s.outputFile ? [s.outputFile] : [])));
    const set = earlier;
    return await openAndRun(o, stop, loaded, say, () => {
      started = true;
      const cleared = set.discard();
      if (cleared.removed.length) say(`cleared what an earlier run left in ${o.reportsDir}: ${cleared.removed.join(', ')}`);
      if (cleared.leftover) say(`could not remove what an earlier run left, set aside in ${cleared.leftover}; the next run clears it`);
    });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ResourceError) {
      say(e.message);
      return { exitCode: 2, ...files };
    }
    throw e;
  } finally {
    putBack();
    if (leases) for (const line of await closeLeaseStore(leases, stop)) say(line);
    outputs.release();
    folder.release();
    unlock();
  }
}

/** The files the reporters write (not standard output, not the pcap folder): the ones an output lock guards. */
export function reportFiles(specs: readonly ReporterSpec[]): string[] {
  return specs.flatMap((s) => ('outputFile' in s && s.outputFile !== undefined && s.outputFile !== STDOUT ? [s.outputFile] : []));
}

/** Everything read and checked before the reports folder is touched; ConfigError/ResourceError are exit 2. */
async function load(o: RunSuitesOptions): Promise<Loaded> {
  const specs = reporterSpecs(o.reporters, o.reportsDir, { pcap: true, ...(o.html !== undefined ? { html: o.html } : {}) });
  checkStdoutOwners(specs, o.stdoutTaken ?? false);
  checkReporterOutputs(specs, o.reportsDir);
  const runOptions: RunOptions = { ...o.run };
  // Planned as --list shows it: bad --device/--suite/--grep/--shard is exit 2 before anything is opened.
  const { rig, suites, tests } = await planRun({
    rigFile: o.rigFile,
    suitePaths: o.suitePaths,
    run: runOptions,
    ...(o.meters !== undefined ? { meters: o.meters } : {}),
    ...(o.adjustRig ? { adjustRig: o.adjustRig } : {}),
  });
  const active = [...new Set(tests.filter((t) => !t.skipReason).map((t) => t.device.name))];
  const junitFile = (specs.find((s) => s.kind === 'junit') as { outputFile: string }).outputFile;
  const htmlSpec = specs.find((s) => s.kind === 'html') as { outputFile: string } | undefined;
  return { specs, rig, suites, tests, runOptions, active, files: { junitFile, ...(htmlSpec ? { htmlFile: htmlSpec.outputFile } : {}) } };
}

/**
 * Opens the reporters and the bench and runs. `begin` is called once everything has started, just
 * before the reporters hear the run begin: from then on this run records, and the earlier run's
 * files are removed; a return or throw before it is a run that recorded nothing.
 */
async function openAndRun(o: RunSuitesOptions, stop: ProcessStop, l: Loaded, say: (line: string) => void, begin: () => void): Promise<RunSuitesResult> {
  const stdout = o.stdout ?? process.stdout;
  const stderr = o.stderr ?? process.stderr;
  const files = l.files;
  // At once: opening a rig takes seconds, and a person should see what is about to happen.
  stderr.write(
    `${startupLine({
      rig: { name: l.rig.name, file: o.rigFile },
      devices: [...new Set(l.tests.map((t) => t.device.name))],
      suites: [...new Set(l.tests.map((t) => t.suite.name))],
      tests: l.tests.length,
    })}\n`,
  );
  const health = new RecordingHealth(say);
  // Their files opened here (a tap=FILE that cannot be opened is a ConfigError: exit 2, nothing recorded).
  const selected = guardedReporters(l.specs, { stdout, stderr, warn: say }, reportSettings(o.report), health);
  const reporters = new Multiplexer([...selected, ...(o.extraReporters ?? [])], (line) => void stderr.write(`${line}\n`));
  health.tell((e) => reporters.onError(e));
  const attachmentsDir = (l.specs.find((s) => s.kind === 'pcap') as { dir: string }).dir;

  let opened: OpenedBench | undefined;
  // Stopped while loading: the run starts interrupted without opening the bench, and its JUnit
  // lists every test as not run.
  if (!stop.signal.aborted) {
    try {
      opened = await openBench(l.rig, {
        runDir: o.runDir ?? o.reportsDir,
        devices: l.active,
        onWarning: say,
        onNotice: say,
        ...(o.persistence ? { persistence: o.persistence } : {}),
        ...(l.runOptions.leases ? { leases: l.runOptions.leases } : {}),
      });
    } catch (e) {
      if (e instanceof ConfigError || e instanceof ResourceError || (e as NodeJS.ErrnoException).code !== undefined) {
        say(`cannot open the rig ${l.rig.name}: ${(e as Error).message}`);
        return { exitCode: 2, ...files };
      }
      throw e;
    }
  }
  let observer: RunObserver | undefined;
  try {
    if (opened) {
      const refused = o.preflight ? await o.preflight(opened) : undefined;
      if (refused !== undefined) {
        say(refused);
        return { exitCode: 1, ...files, refused };
      }
      await warnSharedPorts(opened.rig, opened.bench, say);
      if (opened.rig.session) for (const s of await startSession(opened.bench, opened.rig.session.start, l.active)) say(describeStart(s));
    }
    let run: Run;
    let reproducers: ReproducerWriter | undefined;
    if (opened) {
      observer = new RunObserver(opened.observations, reporters);
      reproducers = new ReproducerWriter(o.reportsDir, new Date().toISOString(), (_path, e) => health.failed('attachments', e));
      const captures = new TestCaptures(attachmentsDir, opened.consoleLogs, observer, (_path, e) => health.failed('attachments', e));
      // The observer hears which test runs where before the reporters do, and feeds them the bench's observations.
      run = new Run({ rig: opened.rig, suites: l.suites, executor: new CsmpStepExecutor(opened.bench), session: new BenchSession(opened.bench, captures, { policy: opened.rig.session?.start, suiteFiles: new Set(l.suites.filter((x) => x.freshRegistration).map((x) => x.file)) }, {}, reproducers), reporter: new Multiplexer([observer, reporters]), options: l.runOptions });
    } else {
      run = new Run({ rig: plannedRig(l.rig), suites: l.suites, executor: { execute: async () => ({ status: 'error' }) }, reporter: reporters, options: l.runOptions });
    }
    const interrupt = (): void => run.interrupt(stop.reason ?? 'stopped');
    if (stop.signal.aborted) run.interrupt(`${stop.reason ?? 'stopped'} before the first test`);
    stop.signal.addEventListener('abort', interrupt);
    stop.force.addEventListener('abort', interrupt);
    let summary: RunSummary;
    try {
      begin();
      summary = await run.start();
    } finally {
      stop.signal.removeEventListener('abort', interrupt);
      stop.force.removeEventListener('abort', interrupt);
    }
    const closing = health.summary();
    if (closing) say(closing);
    const results = run.results();
    const minimised: MinimiseOutcome[] = [];
    if (opened && reproducers && o.minimise && !stop.signal.aborted) {
      if (reproducers.written.length === 0) say('minimise: no crash reproducer was written in this run: nothing to minimise');
      else {
        try {
          await minimiseReproducers(reproducers.written, { rig: opened.rig, bench: opened.bench, run: l.runOptions, signal: stop.signal, say }, o.minimise, minimised);
        } catch (e) {
          // The verdicts are recorded already; a minimisation that cannot finish loses none of them.
          say(`minimise: stopped: ${(e as Error).message}`);
        }
      }
    }
    return {
      exitCode: summary.status !== 'error' && !health.ok ? RESULTS_NOT_RECORDED : exitCodeFor(summary, stop.received),
      summary,
      ...files,
      tests: run.tests.map((test) => ({ test, result: results.get(test.id)?.at(-1) })),
      ...(health.ok ? {} : { unrecorded: Object.fromEntries(health.counts()) }),
      ...(o.minimise ? { minimised } : {}),
    };
  } finally {
    observer?.stop();
    await opened?.close();
  }
}

/**
 * The selected reporters (createReporters), each but progress guarded: a reporter that cannot write
 * is a recording failure told to `health` (said once, exit 4), never a crash of the run or a merge.
 * Progress is for people, not a record of the run: its trouble is logged, not counted.
 */
export function guardedReporters(specs: readonly ReporterSpec[], env: ReporterEnvironment, settings: ReportSettings, health: RecordingHealth): Reporter[] {
  return createReporters(specs, env, settings).map((r) => (r.name === 'progress' ? r : guardRecording(r, reporterLabel(r, specs), health)));
}

/** What a reporter's recording failures are counted under: its file, or its name. */
function reporterLabel(r: Reporter, specs: readonly ReporterSpec[]): string {
  const spec = specs.find((s) => s.kind === r.name);
  return spec && 'outputFile' in spec && spec.outputFile ? spec.outputFile : (r.name ?? 'reporter');
}

/** A second process on a serial link's device takes frames meant for the harness: say so before the first test. */
async function warnSharedPorts(rig: Rig, bench: Bench, say: (line: string) => void): Promise<void> {
  for (const l of rig.links) {
    if (l.kind !== 'slip' || l.path.startsWith('tcp://')) continue;
    const holders = await otherPortHolders(l.path);
    if (!holders.length) continue;
    const shared = `${l.path} (link ${l.name}) is also open in ${describeHolders(holders)}: it can read or write frames meant for the harness`;
    bench.sharedPorts.set(l.name, shared);
    say(`warning: ${shared}`);
  }
}
