/** `hil decode` alone: the rig, suite, report and browser code it never uses are not loaded. */
import { registerDecode } from './commands/decode.js';
import { newProgram } from './new-program.js';

const program = newProgram();
registerDecode(program);
await program.parseAsync(process.argv);
