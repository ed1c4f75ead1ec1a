import type { Command } from 'commander';
import { DEFAULT_REPORTS_DIR } from '../../app/defaults.js';
import { reporterSpecs } from '../../app/run-suites.js';
import { ConfigError } from '../../../core/errors.js';
import { mergeEventLogs, replayEvents } from '../../report/merge.js';
import { Multiplexer } from '../../model/multiplexer.js';
import { createReporters } from '../../report/select.js';
import type { RunEvent } from '../../report/events.js';

interface MergeOptions {
  reports: string;
  reporter?: string;
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
    .option('--reports <dir>', 'folder for the merged junit.xml', DEFAULT_REPORTS_DIR)
    .option('--reporter <list>', 'reporters: junit[=file],tap,progress,events[=file] (JUnit is always written)')
    .action(async (logs: string[], opts: MergeOptions) => {
      let events: RunEvent[];
      let reporters;
      try {
        events = mergeEventLogs(logs);
        reporters = createReporters(reporterSpecs(opts.reporter, opts.reports), { stdout: process.stdout, stderr: process.stderr });
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
