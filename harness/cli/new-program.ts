import { Command } from 'commander';

/** The `hil` program with no commands yet: its name, its usage-error exit code and its stdout rules. */
export function newProgram(): Command {
  // `hil decode big.pcap | head` closes stdout early; that is the reader's choice, not a failure.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const program = new Command();
  program
    .name('hil')
    .description('csmp-hil: hardware-in-the-loop tests for CSMP radios and meters, playing the FND head-end')
    .showHelpAfterError();
  // Commander rejects on bad usage with exit 1; the harness reserves 1 for "tests failed", so usage
  // errors exit 2 like every other "could not run" condition.
  program.exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
  return program;
}
