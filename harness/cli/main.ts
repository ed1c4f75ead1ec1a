#!/usr/bin/env node
import { Command } from 'commander';
import { registerCertify } from './commands/certify.js';
import { registerCheck } from './commands/check.js';
import { registerDecode } from './commands/decode.js';
import { registerDiagnose } from './commands/diagnose.js';
import { registerHistory } from './commands/history.js';
import { registerList } from './commands/list.js';
import { registerLocks } from './commands/locks.js';
import { registerMerge } from './commands/merge.js';
import { registerRequest } from './commands/request.js';
import { registerRun } from './commands/run.js';
import { registerSim } from './commands/sim.js';
import { registerUpgrade } from './commands/upgrade.js';
import { registerVerify } from './commands/verify.js';
import { registerWireshark } from './commands/wireshark.js';

// `hil decode big.pcap | head` closes stdout early; that is the reader's choice, not a failure.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

/**
 * Commands that open ports end by exiting with their code: a board driver or a library timer left
 * running must not keep a finished run alive (stdout and stderr are synchronous on Linux, so
 * nothing written is lost).
 */
const exit = (code: number): never => process.exit(code);

const program = new Command();
program
  .name('hil')
  .description('csmp-hil: hardware-in-the-loop tests for CSMP radios and meters, playing the FND head-end')
  .showHelpAfterError();

registerRun(program, exit);
registerList(program, exit);
registerRequest(program, exit);
registerDiagnose(program, exit);
registerCheck(program, exit);
registerLocks(program, exit);
registerSim(program, exit);
registerUpgrade(program, exit);
registerMerge(program, exit);
registerCertify(program, exit);
registerVerify(program, exit);
registerHistory(program, exit);
registerDecode(program);
registerWireshark(program, exit);

// Commander rejects on bad usage with exit 1; the harness reserves 1 for "tests failed", so usage
// errors exit 2 like every other "could not run" condition.
program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 2);
});

await program.parseAsync(process.argv);
