import type { Command } from 'commander';
import { DEFAULT_REPORTS_DIR } from '../../app/defaults.js';
import { reporterSpecs } from '../../app/run-suites.js';
import { ConfigError, ResourceError } from '../../../core/errors.js';
import { dirname, join } from 'node:path';
import { RESULTS_NOT_RECORDED } from '../../app/recording.js';
import { clearEarlierRun, clearedBy } from '../../app/reports-folder.js';
import { lockFolder, type FolderLock } from '../../app/reports-lock.js';
import { mergeEventLogs, replayEvents } from '../../report/merge.js';
import { Multiplexer } from '../../model/multiplexer.js';
import { createReporters } from '../../report/select.js';
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
      let reporters;
      let folder: FolderLock | undefined;
      let lost = false;
      try {
        try {
          const attachmentPaths = parseAttachmentPaths(opts.attachmentPaths);
          const specs = reporterSpecs(opts.reporter, opts.reports, { html: opts.html });
          const outputs = specs.flatMap((s) => ('outputFile' in s && s.outputFile ? [s.outputFile] : []));
          // The folder is cleared before the merge writes there: a log (or its attachments) inside what is cleared would be lost.
          for (const log of logs)
            if (clearedBy(opts.reports, outputs, log) || clearedBy(opts.reports, outputs, join(dirname(log), 'attachments')))
              throw new ConfigError(log, 'conflict', `lies in the reports folder ${opts.reports}, which the merge clears of an earlier run's files first; merge into another folder`);
          // As hil run does: a run or merge writing there is not overwritten, and nothing of an earlier run stays beside the merged reports.
          folder = lockFolder(opts.reports, `hil merge ${process.argv.slice(3).join(' ')}`.trim());
          if (folder.tookOverFrom) err(`took over the lock of ${opts.reports} left by pid ${folder.tookOverFrom.pid} (${folder.tookOverFrom.command}, since ${folder.tookOverFrom.since}), which is no longer running`);
          const reportsDir = opts.reports;
          events = mergeEventLogs(logs, {
            // The shards' pcaps and console logs are copied in, so the merged reports name files that are there.
            attachmentsInto: reportsDir,
            onChecked: () => {
              const cleared = clearEarlierRun(reportsDir, outputs);
              if (cleared.removed.length) err(`cleared what an earlier run left in ${reportsDir}: ${cleared.removed.join(', ')}`);
            },
            onWarning: (line, kind) => {
              if (kind === 'lost') lost = true;
              err(line);
            },
          });
          reporters = createReporters(specs, { stdout: process.stdout, stderr: process.stderr }, attachmentPaths ? { attachmentPaths } : {});
        } catch (e) {
          if (!(e instanceof ConfigError) && !(e instanceof ResourceError)) throw e;
          err(e instanceof ResourceError && !folder ? `reports folder ${e.message}` : e.message);
          return exit(2);
        }
        await replayEvents(events, new Multiplexer(reporters, (l) => void process.stderr.write(`${l}\n`)));
      } finally {
        folder?.release();
      }
      const end = events[events.length - 1]!;
      const status = end.type === 'end' ? end.summary.status : 'error';
      // A shard log that lost records is hil run's exit 4 (results not fully recorded); a shard that
      // never finished, or is missing, leaves tests unrun: that fails the merged run like a failed test.
      if (lost) return exit(RESULTS_NOT_RECORDED);
      return exit(status === 'passed' ? 0 : status === 'error' ? 2 : 1);
    });
}
