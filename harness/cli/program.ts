/** Every `hil` command, for main.ts (all but `hil decode`, which loads only itself: decode-main.ts). */
import { registerCertify } from './commands/certify.js';
import { registerCheck } from './commands/check.js';
import { registerDecode } from './commands/decode.js';
import { registerDiagnose } from './commands/diagnose.js';
import { registerList } from './commands/list.js';
import { registerMerge } from './commands/merge.js';
import { registerRequest } from './commands/request.js';
import { registerRun } from './commands/run.js';
import { registerSim } from './commands/sim.js';
import { registerUpgrade } from './commands/upgrade.js';
import { registerVerify } from './commands/verify.js';
import { registerWireshark } from './commands/wireshark.js';

import { newProgram } from './new-program.js';

/**
 * Commands that open ports end by exiting with their code: a board driver or a library timer left
 * running must not keep a finished run alive (stdout and stderr are synchronous on Linux, so
 * nothing written is lost).
 */
const exit = (code: number): never => process.exit(code);

const program = newProgram();

registerRun(program, exit);
registerList(program, exit);
registerRequest(program, exit);
registerDiagnose(program, exit);
registerCheck(program, exit);
registerSim(program, exit);
registerUpgrade(program, exit);
registerMerge(program, exit);
registerCertify(program, exit);
registerVerify(program, exit);
registerDecode(program);
registerWireshark(program, exit);

await program.parseAsync(process.argv);
