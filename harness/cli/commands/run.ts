import type { Command } from 'commander';
import { DEFAULT_HISTORY_DIR, DEFAULT_REPORTS_DIR, defaultRigFile, defaultSuitesDir } from '../../app/defaults.js';
import { runSuites } from '../../app/run-suites.js';
import { parseDuration } from '../../../core/duration.js';
import { ConfigError } from '../../../core/errors.js';
import { parseShard } from '../../runner/shard.js';
import type { AttachmentBase } from '../../report/junit.js';

interface RunCliOptions {
  rig?: string;
  reports: string;
  reporter?: string;
  grep?: string;
  device: string[];
  suite: string[];
  retries?: string;
  bail?: boolean;
  shard?: string;
  stepTimeout?: string;
  meters?: string;
  html: boolean;
  history?: string | true;
  attachmentPaths?: string;
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
    .argument('[suites...]', 'suite files or folders (default: every suite in suites/)')
    .option('--rig <file>', 'rig file (default: rigs/virtual.yaml, the virtual rig)')
    .option('--reports <dir>', 'folder for junit.xml, attachments and the virtual rig', DEFAULT_REPORTS_DIR)
    .option('--reporter <list>', 'reporters: junit[=file],html[=file],tap,progress,events[=file] (JUnit, HTML and per-test pcaps are always written)')
    .option('--no-html', 'do not write the HTML report')
    .option('--attachment-paths <base>', "JUnit attachment paths relative to the JUnit file ('junit', default) or to the project root ('project', for GitLab)")
    .option('--grep <regex>', "only tests whose 'suite @ device › test' title matches")
    .option('--device <name>', 'only this device (repeatable, or comma-separated)', collect, [])
    .option('--suite <name>', 'only this suite (repeatable, or comma-separated)', collect, [])
    .option('--retries <n>', 'extra attempts for a failed test')
    .option('--bail', 'stop scheduling after the first test that does not pass')
    .option('--shard <i/n>', 'run shard i of n (suites × devices dealt evenly)')
    .option('--meters <n>', 'virtual rig only: run with n meters instead of the rig file\'s')
    .option('--history [dir]', `append the results to the run history in this folder (default ${DEFAULT_HISTORY_DIR}; the HTML report's trend reads it too); see hil history`)
    .option('--step-timeout <duration>', "limit of one step, e.g. '30s' (a step's own wait/within is added)")
    .action(async (paths: string[], opts: RunCliOptions) => {
      let retries: number | undefined;
      let stepTimeoutMs: number | undefined;
      let shard;
      let meters: number | undefined;
      let attachmentPaths: AttachmentBase | undefined;
      try {
        if (opts.meters !== undefined) {
          if (!/^[0-9]+$/.test(opts.meters)) throw new ConfigError('--meters', 'value', `'${opts.meters}' is not a whole number`);
          meters = Number(opts.meters);
        }
        if (opts.retries !== undefined) {
          if (!/^[0-9]+$/.test(opts.retries)) throw new ConfigError('--retries', 'value', `'${opts.retries}' is not a whole number`);
          retries = Number(opts.retries);
        }
        if (opts.stepTimeout !== undefined) {
          stepTimeoutMs = parseDuration(opts.stepTimeout);
          if (stepTimeoutMs === undefined) throw new ConfigError('--step-timeout', 'value', `'${opts.stepTimeout}' is not a duration (use e.g. 30s, 2m)`);
        }
        if (opts.shard !== undefined) shard = parseShard(opts.shard);
        attachmentPaths = parseAttachmentPaths(opts.attachmentPaths);
      } catch (e) {
        process.stderr.write(`hil run: ${(e as Error).message}\n`);
        return exit(2);
      }
      const result = await runSuites({
        rigFile: opts.rig ?? defaultRigFile(),
        ...(meters !== undefined ? { meters } : {}),
        suitePaths: paths.length ? paths : [defaultSuitesDir()],
        reportsDir: opts.reports,
        ...(opts.reporter !== undefined ? { reporters: opts.reporter } : {}),
        html: opts.html,
        report: { ...(attachmentPaths ? { attachmentPaths } : {}), ...(opts.history !== undefined ? { historyDir: opts.history === true ? DEFAULT_HISTORY_DIR : opts.history } : {}) },
        run: {
          ...(opts.grep !== undefined ? { grep: opts.grep } : {}),
          ...(opts.device.length ? { device: opts.device } : {}),
          ...(opts.suite.length ? { suite: opts.suite } : {}),
          ...(retries !== undefined ? { retries } : {}),
          ...(opts.bail ? { bail: true } : {}),
          ...(shard ? { shard } : {}),
          ...(stepTimeoutMs !== undefined ? { stepTimeoutMs } : {}),
        },
      });
      return exit(result.exitCode);
    });
}
