/**
 * What every command shares with the program's entry: the process's stop handling, installed
 * before anything loaded (main.ts). Process-wide by nature, like the signals it stands for; set
 * once by buildProgram.
 */
import { ProcessStop } from '../app/process-stop.js';

export interface CliContext {
  stop: ProcessStop;
}

let context: CliContext | undefined;

export function setCliContext(c: CliContext): void {
  context = c;
}

/** The process's stop; one made on first use when the program was built without the entry (tests). */
export function processStop(): ProcessStop {
  context ??= { stop: new ProcessStop(process) };
  return context.stop;
}
