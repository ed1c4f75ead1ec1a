#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * The `hil` entry. Its first instruction installs the process's stop handling (SIGINT, SIGTERM,
 * SIGHUP; harness/app/process-stop.ts) and only then loads the program: loading takes a few
 * hundred milliseconds, and a signal in that window used to end the process with no report at all.
 * Nothing here may import more than the stop wrapper.
 */
import { ProcessStop } from '../app/process-stop.js';

const stop = new ProcessStop(process);

// `hil decode big.pcap | head` closes stdout early: that is the reader's choice, not a failure.
// For a command that started something it is a stop (its at-exit cleanups still run).
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') return;
  if (stop.signal.aborted || !running()) process.exit(0);
  stop.trigger('SIGPIPE', 'standard output was closed');
});
// Progress and messages have nowhere else to go; a closed stderr must not end a run.
process.stderr.on('error', () => {});

let starting = false;
const running = (): boolean => starting;

// The last resort: an error no code path expected still stops the process the orderly way
// (reports say the run did not complete, locks and temporary folders are removed), exit 2.
let crashed = false;
const crash = (e: unknown): void => {
  if (crashed) return;
  crashed = true;
  try {
    process.stderr.write(`hil: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  } catch {
    // stderr is gone
  }
  process.exit(2);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

// `hil decode` of a multi-gigabyte capture is judged by its footprint: it loads only its own
// modules (the other commands' cost 35 MB of RSS before a byte is read). It starts nothing, so a
// signal has its default effect.
if (process.argv[2] === 'decode') {
  stop.release();
  await import('./decode-main.js');
} else {
  const { runCli } = await import('./program.js');
  await runCli(process.argv, stop, () => {
    starting = true;
  });
}
