import { Command } from 'commander';

/**
 * The `hil` program with no commands yet, for `hil decode` alone: its name and its usage-error exit
 * code. A closed stdout is main.ts's to handle, once for every command.
 */
export function newProgram(): Command {
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
