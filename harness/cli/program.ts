/**
 * The `hil` program: its commands and the conventions they share, set on the root command before
 * any command is added so every command inherits them (commander copies settings at creation):
 *
 * - usage errors (an unknown option, a missing argument, a bad value) exit 2 on every command, the
 *   code for "could not run"; 1 is reserved for "tests failed";
 * - `--version`, and `--help` on every command with examples and its exit codes (help.ts);
 * - commands that start something (a run, a bench, the virtual rig) keep the stop handling the
 *   entry installed and watch their parent process; the others get default signal behaviour back.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../app/defaults.js';
import type { ProcessStop } from '../app/process-stop.js';
import { setCliContext } from './cli-context.js';
import { registerCertify } from './commands/certify.js';
import { registerCheck } from './commands/check.js';
import { registerDecode } from './commands/decode.js';
import { registerExtcap } from './commands/extcap.js';
import { registerDiagnose } from './commands/diagnose.js';
import { registerFuzz } from './commands/fuzz.js';
import { registerHistory } from './commands/history.js';
import { registerList } from './commands/list.js';
import { registerLocks } from './commands/locks.js';
import { registerMonitor } from './commands/monitor.js';
import { registerMerge } from './commands/merge.js';
import { registerRequest } from './commands/request.js';
import { registerRun } from './commands/run.js';
import { registerSim } from './commands/sim.js';
import { registerUpgrade } from './commands/upgrade.js';
import { registerVerify } from './commands/verify.js';
import { registerWireshark } from './commands/wireshark.js';
import { addHelpTexts, PROGRAM_HELP } from './help.js';
import { exitAfterOutput } from './exit-after-output.js';
import { parseUsage } from './new-program.js';

/** Commands that start a run, a bench or the virtual rig: they stop the orderly way on a signal. */
export const STARTING_COMMANDS: ReadonlySet<string> = new Set(['run', 'certify', 'fuzz', 'check', 'request', 'diagnose', 'sim', 'upgrade', 'monitor', 'extcap']);

export { USAGE_EXIT_CODE } from './new-program.js';

/**
 * Commands that open ports end by exiting with their code: a board driver or a library timer left
 * running must not keep a finished run alive. The exit waits for stdout and stderr to be written
 * out: writes to a pipe are asynchronous, and an immediate exit drops what is queued.
 */
const exit = (code: number): never => exitAfterOutput(code);

export function buildProgram(stop: ProcessStop, onStarting: () => void = () => {}): Command {
  const program = new Command();
  program
    .name('hil')
    .description('csmp-hil: hardware-in-the-loop tests for CSMP radios and meters, playing the FND head-end')
    .version(packageVersion(), '-V, --version', 'print the version of csmp-hil')
    .showHelpAfterError('(hil <command> --help shows usage, examples and exit codes)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => void process.stderr.write(s), writeOut: (s) => void process.stdout.write(s) })
    .addHelpText('after', PROGRAM_HELP);
  program.hook('preAction', (_root, command) => {
    if (STARTING_COMMANDS.has(command.name())) {
      onStarting();
      stop.watchParent();
    } else {
      stop.release();
    }
  });
  setCliContext({ stop });

  registerRun(program, exit);
  registerList(program, exit);
  registerRequest(program, exit);
  registerFuzz(program, exit);
  registerDiagnose(program, exit);
  registerCheck(program, exit);
  registerLocks(program, exit);
  registerSim(program, exit);
  registerUpgrade(program, exit);
  registerMerge(program, exit);
  registerCertify(program, exit);
  registerVerify(program, exit);
  registerHistory(program, exit);
  registerExtcap(program, exit);
  registerDecode(program);
  registerMonitor(program, exit);
  registerWireshark(program, exit);
  addHelpTexts(program);
  return program;
}

export async function runCli(argv: readonly string[], stop: ProcessStop, onStarting?: () => void): Promise<void> {
  await parseUsage(buildProgram(stop, onStarting), argv);
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
