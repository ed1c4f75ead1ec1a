/** `hil decode` alone: the rig, suite, report and browser code it never uses are not loaded. */
import { registerDecode } from './commands/decode.js';
import { newProgram, parseUsage } from './new-program.js';

const program = newProgram();
registerDecode(program);
await parseUsage(program, process.argv);
