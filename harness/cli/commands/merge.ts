import type { Command } from 'commander';
import { DEFAULT_REPORTS_DIR } from '../../app/defaults.js';
import { guardedReporters, reportFiles, reporterSpecs } from '../../app/run-suites.js';
import { lockOutputs, type OutputLocks } from '../../app/output-locks.js';
import { ConfigError, ResourceError } from '../../../core/errors.js';
import { dirname, join } from 'node:path';
import { RecordingHealth, RESULTS_NOT_RECORDED } from '../../app/recording.js';
import { clearedBy, setAsideEarlierRun, type EarlierRun } from '../../app/reports-folder.js';
import { lockFolder, type FolderLock } from '../../app/reports-lock.js';
import { mergeEventLogs, replayEvents } from '../../report/merge.js';
import { Multiplexer } from '../../model/multiplexer.js';
import { checkReporterOutputs } from '../../report/select.js';
import type { Reporter } from '../../model/reporter.js';
import type { RunEvent } from '../../report/events.js';
import { parseAttachmentPaths } from './run.js';

interface MergeOptions {
  reports: string;
  reporter?: string;
  html: boolean;
  attachmentPaths?: string;
}

/**
 * `hil merge`: the event logs of shards (`hil run --shard i/n --reporter events`, one per rack or
 * CI job) become one run's reports, as if a single run had produced them.
 */
export function registerMerge(program: Command, exit: (code: number) => never | void): void {
  program
    .command('merge')
    .description('merge shard event logs (hil run --shard i/n --reporter events) into one run\'s reports')
    .argument('<logs...>', 'events.jsonl files, one per shard')
    .option('--reports <dir>', 'folder for the merged junit.xml, report.html and the shards\' attachments', DEFAULT_REPORTS_DIR)
    .option('--reporter <list>', 'reporters: junit[=file],html[=file],tap,progress,events[=file] (JUnit and HTML are always written)')
    .option('--no-html', 'do not write the HTML report')
    .option('--attachment-paths <base>', "JUnit attachment paths relative to the JUnit file ('junit', default) or to the project root ('project')")
    .action(async (logs: string[], opts: MergeOptions) => {
      const err = (line: string): void => void process.stderr.write(`hil merge: ${line}\n`);
      let events: RunEvent[];
      let reporters: Reporter[] = [];
      let folder: FolderLock | undefined;
      let outputLocks: OutputLocks | undefined;
      let earlier: EarlierRun | undefined;
      let started = false;
      let lost = false;
      // As in hil run: a reporter that cannot write is said once and the merge ends with exit 4.
      const health = new RecordingHealth(err);
      try {
        try {
          const attachmentPaths = parseAttachmentPaths(opts.attachmentPaths);
          const specs = reporterSpecs(opts.reporter, opts.reports, { html: opts.html });
          checkReporterOutputs(specs, opts.reports);
          const outputs = specs.flatMap((s) => ('outputFile' in s && s.outputFile ? [s.outputFile] : []));
          // The folder is cleared before the merge writes there: a log (or its attachments) inside what is cleared would be lost.
          for (const log of logs)
            if (clearedBy(opts.reports, outputs, log) || clearedBy(opts.reports, outputs, join(dirname(log), 'attachments')))
              throw new ConfigError(log, 'conflict', `lies in the reports folder ${opts.reports}, which the merge clears of an earlier run's files first; merge into another folder`);
          // As hil run does: a run or merge writing there is not overwritten, and nothing of an earlier run stays beside the merged reports.
          const command = `hil merge ${process.argv.slice(3).join(' ')}`.trim();
          folder = lockFolder(opts.reports, command);
          // A report file outside the folder is guarded as hil run guards it: a run or another merge
          // naming the same file is refused, not left to take turns overwriting it.
          try {
            outputLocks = lockOutputs(reportFiles(specs), opts.reports, command);
          } catch (e) {
            if (!(e instanceof ResourceError)) throw e;
            err(`report file ${e.message}`);
            return exit(2);
          }
          for (const line of outputLocks.unlocked) err(`warning: ${line}`);
          if (folder.tookOverFrom) err(`took over the lock of ${opts.reports} left by pid ${folder.tookOverFrom.pid} (${folder.tookOverFrom.command}, since ${folder.tookOverFrom.since}), which is no longer running`);
          const reportsDir = opts.reports;
          events = mergeEventLogs(logs, {
            // The shards' pcaps and console logs are copied in, so the merged reports name files that are there.
            attachmentsInto: reportsDir,
            // Every log read and checked: the earlier run's files are set aside (put back if the merge
            // cannot go on), and the reporters open before any attachment is copied in.
            onChecked: () => {
              earlier = setAsideEarlierRun(reportsDir, outputs);
              reporters = guardedReporters(specs, { stdout: process.stdout, stderr: process.stderr, warn: err }, attachmentPaths ? { attachmentPaths } : {}, health);
            },
            onWarning: (line, kind) => {
              if (kind === 'lost') lost = true;
              err(line);
            },
          });
        } catch (e) {
          if (!(e instanceof ConfigError) && !(e instanceof ResourceError)) throw e;
          err(e instanceof ResourceError && !folder ? `reports folder ${e.message}` : e.message);
          return exit(2);
        }
        started = true;
        const cleared = earlier?.discard();
        if (cleared?.removed.length) err(`cleared what an earlier run left in ${opts.reports}: ${cleared.removed.join(', ')}`);
        if (cleared?.leftover) err(`could not remove what an earlier run left, set aside in ${cleared.leftover}; the next run clears it`);
        const all = new Multiplexer(reporters, (l) => void process.stderr.write(`${l}\n`));
        health.tell((e) => all.onError(e));
        await replayEvents(events, all);
      } finally {
        if (!started && earlier) {
          const found = earlier.found;
          const problems = earlier.restore();
          for (const p of problems) err(p);
          if (found.length && !problems.length) err(`nothing was merged: what an earlier run left in ${opts.reports} is left as it was (${found.join(', ')})`);
        }
        outputLocks?.release();
        folder?.release();
      }
      const closing = health.summary();
      if (closing) err(closing);
      const end = events[events.length - 1]!;
      const status = end.type === 'end' ? end.summary.status : 'error';
      // A shard log that lost records, or a merged report that could not be written, is hil run's
      // exit 4 (results not fully recorded); a shard that never finished, or is missing, leaves
      // tests unrun: that fails the merged run like a failed test.
      if (lost || !health.ok) return exit(RESULTS_NOT_RECORDED);
      return exit(status === 'passed' ? 0 : status === 'error' ? 2 : 1);
    });
}
