import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_HISTORY_DIR, defaultReportsDir, defaultRigFile, defaultSuitePaths } from '../../app/defaults.js';
import { planRun, type PlannedRun } from '../../app/plan-run.js';
import { reporterSpecs, runSuites, type RunSuitesResult } from '../../app/run-suites.js';
import type { MinimiseSettings } from '../../app/minimise-reproducers.js';
import { ConfigError, ResourceError } from '../../../core/errors.js';
import { MAX_RETRIES, type RunOptions } from '../../runner/options.js';
import { parseShard } from '../../runner/shard.js';
import type { AttachmentBase } from '../../report/junit.js';
import { processStop } from '../cli-context.js';
import { runSummaryJson } from '../run-json.js';
import { durationOption, MIN_ANSWER_MS, refuseOutputOverInput, type InputFile } from '../option-values.js';

interface RunCliOptions {
  rig?: string;
  reports?: string;
  reporter?: string;
  grep?: string;
  device: string[];
  suite: string[];
  retries?: string;
  bail?: boolean;
  probeAfterPost?: boolean;
  shard?: string;
  stepTimeout?: string;
  meters?: string;
  html: boolean;
  history?: string | true;
  attachmentPaths?: string;
  list?: boolean;
  json?: boolean;
  cold?: boolean;
  minimise?: boolean;
  minimiseTries?: string;
  minimiseBudget?: string;
}

/** --attachment-paths: 'junit' or 'project'; undefined leaves the default. */
export function parseAttachmentPaths(text: string | undefined): AttachmentBase | undefined {
  if (text === undefined) return undefined;
  if (text === 'junit' || text === 'project') return text;
  throw new ConfigError('--attachment-paths', 'value', `'${text}' is not 'junit' or 'project'`);
}

const collect = (value: string, previous: string[]): string[] => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

export function registerRun(program: Command, exit: (code: number) => never | void): void {
  program
    .command('run')
    .description('run suites against a rig: every device in parallel, reports in the reports folder')
    .argument('[suites...]', 'suite files or folders (default: every suite in suites/, or hil.config.yaml suites:)')
    .option('--rig <file>', 'rig file (default: $HIL_RIG, hil.config.yaml rig:, else rigs/virtual.yaml, the virtual rig)')
    .option('--reports <dir>', 'folder for junit.xml, attachments and the virtual rig (default: $HIL_REPORTS, hil.config.yaml reports:, else reports)')
    .option('--reporter <list>', "reporters: junit[=file],html[=file],tap[=file],progress,events[=file] ('-' as file: stdout for tap and events; JUnit, HTML and per-test pcaps are always written; progress is on stderr)")
    .option('--no-html', 'do not write the HTML report')
    .option('--attachment-paths <base>', "JUnit attachment paths relative to the JUnit file ('junit', default) or to the project root ('project', for GitLab)")
    .option('--grep <regex>', "only tests whose 'suite @ device › test' title matches")
    .option('--device <name>', 'only this device (repeatable, or comma-separated)', collect, [])
    .option('--suite <name>', 'only this suite (repeatable, or comma-separated)', collect, [])
    .option('--retries <n>', 'extra attempts for a failed test')
    .option('--bail', 'stop scheduling after the first test that does not pass')
    .option('--probe-after-post', 'treat every test like a robustness test: snapshot the device (GET Uptime, SessionID, CGMSStats) before its steps, probe after, and fail it as crashed, hung, rebooted or degraded')
    .option('--shard <i/n>', 'run shard i of n (suites × devices dealt evenly)')
    .option('--meters <n>', 'virtual rig only: run with n meters instead of the rig file\'s')
    .option('--history [dir]', `append the results to the run history in this folder (default ${DEFAULT_HISTORY_DIR}; the HTML report's trend reads it too); see hil history`)
    .option('--step-timeout <duration>', "limit of one step, e.g. '30s', at least 100ms (a step's own wait/within is added)")
    .option('--cold', "virtual rig: every meter boots and registers afresh; the boards kept from the last run (.hil-state/ beside the rig file) are deleted, and virtual.startRegistered is ignored")
    .option('--minimise', 'after the run, shrink each crash reproducer (devices with power control): drop input steps, TLVs and fields, then bytes, while the device still crashes the same way; writes <reproducer>--min.yaml')
    .option('--minimise-tries <n>', 'tries per reproducer, one power cycle each (default 24)')
    .option('--minimise-budget <duration>', "time per reproducer, e.g. '5m', at least 1s (default 5m)")
    .option('--list', 'print what would run on this rig, and why each other test would be skipped; open nothing')
    .option('--json', 'print a JSON summary of the run on stdout when it ends (with --list: the plan)')
    .action(async (paths: string[], opts: RunCliOptions) => {
      const err = (s: string): void => void process.stderr.write(`hil run: ${s}\n`);
      let run: Omit<RunOptions, 'clock' | 'leases'>;
      let meters: number | undefined;
      let attachmentPaths: AttachmentBase | undefined;
      let rigFile: string;
      let suitePaths: string[];
      let reportsDir: string;
      let minimise: MinimiseSettings | undefined;
      try {
        ({ run, meters } = runOptions(opts));
        minimise = minimiseSettings(opts);
        attachmentPaths = parseAttachmentPaths(opts.attachmentPaths);
        rigFile = opts.rig ?? defaultRigFile();
        suitePaths = paths.length ? paths : defaultSuitePaths();
        reportsDir = opts.reports ?? defaultReportsDir();
        if (!opts.list) refuseReportsOverInputs(opts, rigFile, suitePaths, reportsDir);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        err(e.message);
        return exit(2);
      }
      if (opts.list) {
        let plan: PlannedRun;
        try {
          plan = await planRun({ rigFile, suitePaths, run, ...(meters !== undefined ? { meters } : {}) });
        } catch (e) {
          if (!(e instanceof ConfigError || e instanceof ResourceError)) throw e;
          err(e.message);
          return exit(2);
        }
        process.stdout.write(opts.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : `${renderPlan(plan, reportsDir)}\n`);
        return exit(0);
      }
      const result: RunSuitesResult = await runSuites({
        rigFile,
        ...(meters !== undefined ? { meters } : {}),
        suitePaths,
        reportsDir,
        ...(opts.reporter !== undefined ? { reporters: opts.reporter } : {}),
        html: opts.html,
        report: { ...(attachmentPaths ? { attachmentPaths } : {}), ...(opts.history !== undefined ? { historyDir: opts.history === true ? DEFAULT_HISTORY_DIR : opts.history } : {}) },
        run,
        stop: processStop(),
        stdoutTaken: opts.json === true,
        persistence: opts.cold ? 'cold' : 'resume',
        ...(minimise ? { minimise } : {}),
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(runSummaryJson(result, reportsDir), null, 2)}\n`);
      return exit(result.exitCode);
    });
}

/**
 * A report file that is the rig file or a suite file is refused before the run: reports are written
 * after the files are read, so the run went on and left TAP or JUnit where the suite had been.
 */
function refuseReportsOverInputs(opts: RunCliOptions, rigFile: string, suitePaths: readonly string[], reportsDir: string): void {
  const inputs: InputFile[] = [{ path: rigFile, what: 'rig file' }];
  for (const p of suitePaths) {
    let names: string[] | undefined;
    try {
      names = statSync(p).isDirectory() ? readdirSync(p).filter((n) => /\.ya?ml$/.test(n)) : undefined;
    } catch {
      // Not there or not readable: loading the suites says so.
    }
    inputs.push(...(names ? names.map((n) => ({ path: join(p, n), what: 'suite file' })) : [{ path: p, what: 'suite file' }]));
  }
  for (const s of reporterSpecs(opts.reporter, reportsDir, { html: opts.html })) {
    if ('outputFile' in s && s.outputFile !== undefined && s.outputFile !== '-') refuseOutputOverInput(`--reporter ${s.kind}`, s.outputFile, inputs);
  }
}

function runOptions(opts: RunCliOptions): { run: Omit<RunOptions, 'clock' | 'lockDir'>; meters?: number } {
  const whole = (flag: string, v: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^[0-9]+$/.test(v)) throw new ConfigError(flag, 'value', `'${v}' is not a whole number`);
    if (Number(v) > max) throw new ConfigError(flag, 'value', `'${v}' is more than ${max}`);
    return Number(v);
  };
  const meters = whole('--meters', opts.meters);
  const retries = whole('--retries', opts.retries, MAX_RETRIES);
  // A step that cannot wait for an answer fails on every device (0 was passed on and refused as "step timeout: must be an integer").
  const stepTimeoutMs = opts.stepTimeout === undefined ? undefined : durationOption('--step-timeout', opts.stepTimeout, MIN_ANSWER_MS);
  const run: Omit<RunOptions, 'clock' | 'lockDir'> = {
    ...(opts.grep !== undefined ? { grep: opts.grep } : {}),
    ...(opts.device.length ? { device: opts.device } : {}),
    ...(opts.suite.length ? { suite: opts.suite } : {}),
    ...(retries !== undefined ? { retries } : {}),
    ...(opts.bail ? { bail: true } : {}),
    ...(opts.probeAfterPost ? { probeAfterPost: true } : {}),
    ...(opts.shard !== undefined ? { shard: parseShard(opts.shard) } : {}),
    ...(stepTimeoutMs !== undefined ? { stepTimeoutMs } : {}),
  };
  return { run, ...(meters !== undefined ? { meters } : {}) };
}

export function renderPlan(plan: PlannedRun, reportsDir: string): string {
  const runs = plan.tests.filter((t) => !t.skipReason);
  const devices = new Set(runs.map((t) => t.device.name));
  const width = Math.max(8, ...plan.tests.map((t) => t.device.name.length));
  const lines = [`rig ${plan.rig.name} (${plan.rig.file}): ${runs.length} of ${plan.tests.length} tests would run on ${devices.size} device${devices.size === 1 ? '' : 's'}; reports in ${reportsDir}`];
  for (const t of plan.tests) {
    const head = `${t.skipReason ? 'skip' : 'run '}  ${t.device.name.padEnd(width)}  ${t.suite.name} › ${t.name}`;
    lines.push(t.skipReason ? `${head}  — ${t.skipReason}` : head);
  }
  return lines.join('\n');
}

function planJson(plan: PlannedRun): unknown {
  return {
    rig: { name: plan.rig.name, file: plan.rig.file },
    tests: plan.tests.map((t) => ({
      id: t.id,
      title: t.title,
      suite: t.suite.name,
      device: t.device.name,
      test: t.name,
      run: !t.skipReason,
      ...(t.skipReason ? { skipReason: t.skipReason } : {}),
      requires: t.requires,
    })),
  };
}

function minimiseSettings(opts: RunCliOptions): MinimiseSettings | undefined {
  if (!opts.minimise) {
    if (opts.minimiseTries !== undefined || opts.minimiseBudget !== undefined) throw new ConfigError('--minimise-tries/--minimise-budget', 'value', 'only with --minimise');
    return undefined;
  }
  const settings: MinimiseSettings = {};
  if (opts.minimiseTries !== undefined) {
    if (!/^[1-9][0-9]*$/.test(opts.minimiseTries)) throw new ConfigError('--minimise-tries', 'value', `'${opts.minimiseTries}' is not a whole number of at least 1`);
    settings.tries = Number(opts.minimiseTries);
  }
  // Less than a second cannot hold one power cycle and probe: the reproducer would be left as it is.
  if (opts.minimiseBudget !== undefined) settings.budgetMs = durationOption('--minimise-budget', opts.minimiseBudget, 1000);
  return settings;
}
