import type { Command } from 'commander';
import { DEFAULT_REPORTS_DIR } from '../../app/defaults.js';
import { reporterSpecs } from '../../app/run-suites.js';
import { ConfigError } from '../../../core/errors.js';
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
      let events: RunEvent[];
      let reporters;
      try {
        const attachmentPaths = parseAttachmentPaths(opts.attachmentPaths);
        const specs = reporterSpecs(opts.reporter, opts.reports, { html: opts.html });
        // The shards' pcaps and console logs are copied in, so the merged reports name files that are there.
        events = mergeEventLogs(logs, { attachmentsInto: opts.reports });
        reporters = createReporters(specs, { stdout: process.stdout, stderr: process.stderr }, attachmentPaths ? { attachmentPaths } : {});
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        process.stderr.write(`hil merge: ${e.message}\n`);
        return exit(2);
      }
      await replayEvents(events, new Multiplexer(reporters, (l) => void process.stderr.write(`${l}\n`)));
      const end = events[events.length - 1]!;
      const status = end.type === 'end' ? end.summary.status : 'error';
      // A shard that never finished leaves tests unrun: that fails the merged run like a failed test.
      return exit(status === 'passed' ? 0 : status === 'error' ? 2 : 1);
    });
}
