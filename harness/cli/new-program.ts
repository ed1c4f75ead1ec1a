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
  program.exitOverride();
  return program;
}

/** Usage errors exit 2: a typo in a CI job must not read as a firmware regression (exit 1). */
export const USAGE_EXIT_CODE = 2;

/**
 * Parses argv for a program whose commander complaints are thrown (exitOverride). Help and
 * --version exit 0, every other complaint is a usage error; either way once commander's message
 * is written out (an immediate exit drops what is queued for a pipe).
 */
export async function parseUsage(program: Command, argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync(argv as string[]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    exitAfterOutput(e.exitCode === 0 ? 0 : USAGE_EXIT_CODE);
  }
}
