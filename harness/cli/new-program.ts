import { Command, CommanderError } from 'commander';
import { exitAfterOutput } from './exit-after-output.js';

/**
 * The `hil` program with no commands yet, for `hil decode` alone: its name, and commander's
 * complaints thrown (parseUsage turns them into exit codes). A closed stdout is main.ts's to
 * handle, once for every command.
 */
export function newProgram(): Command {
  const program = new Command();
  program
    .name('hil')
    .description('csmp-hil: hardware-in-the-loop tests for CSMP radios and meters, playing the FND head-end')
    .showHelpAfterError();
  // Commander rejects on bad usage with exit 1; the harness reserves 1 for "tests failed", so usage
  // errors exit 2 like every other "could not run" condition.
  program.exitOverride();
  return program;
}

/**
 * Parses argv; a usage error exits 2 (the harness reserves 1 for "tests failed"), help 0, once
 * commander's message is written out (an immediate exit drops what is queued for a pipe).
 */
export async function parseUsage(program: Command, argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    exitAfterOutput(e.exitCode === 0 ? 0 : 2);
  }
}
