import type { Command } from 'commander';
import { ConfigError } from '../../../core/errors.js';
import { DEFAULT_HISTORY_DIR } from '../../app/defaults.js';
import { readHistory } from '../../history/read.js';
import { renderHistory } from '../../history/render.js';
import { historyStats } from '../../history/stats.js';

interface HistoryCliOptions {
  history: string;
  json?: boolean;
}

export function registerHistory(program: Command, exit: (code: number) => never | void): void {
  program
    .command('history')
    .description('pass rate, flakiness, first failure and rig-fault vs firmware failures per test and device, over the runs recorded with hil run --history')
    .option('--history <dir>', 'the history folder', DEFAULT_HISTORY_DIR)
    .option('--json', 'one JSON document: { runs, skipped, skippedLines, tests: [...] }')
    .action((opts: HistoryCliOptions) => {
      let read;
      try {
        read = readHistory(opts.history);
      } catch (e) {
        if (e instanceof ConfigError) {
          process.stderr.write(`hil history: ${e.message}\n`);
          return exit(2);
        }
        throw e;
      }
      const rows = historyStats(read.runs);
      for (const s of read.skipped) process.stderr.write(`hil history: skipped ${s.file}: ${s.reason}\n`);
      for (const s of read.skippedLines) process.stderr.write(`hil history: skipped line ${s.line} of ${s.file}: ${s.reason}; what it recorded is left out\n`);
      process.stdout.write(opts.json ? `${JSON.stringify({ runs: read.runs.length, skipped: read.skipped, skippedLines: read.skippedLines, tests: rows })}\n` : `${renderHistory(rows, read.runs.length)}\n`);
      return exit(0);
    });
}
