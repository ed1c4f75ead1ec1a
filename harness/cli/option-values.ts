/**
 * Command-line values checked where they are given, before anything is opened: a duration with the
 * least it may be, and an output file that must not be one of the command's own inputs. A refusal
 * is a ConfigError naming the option; the commands print it as `hil <cmd>: <option>: <reason>` and
 * exit 2.
 */
import { fstatSync, statSync } from 'node:fs';
import { durationProblem, parseDuration } from '../../core/duration.js';
import { ConfigError } from '../../core/errors.js';

/**
 * The least time a command waits for a device's answer (a GET's timeout, a fuzz probe, a step):
 * less than one request and answer over a serial link or a mesh hop take, so a shorter wait would
 * report a healthy device as silent or crashed. 0 was accepted and did exactly that.
 */
export const MIN_ANSWER_MS = 100;

/** Milliseconds of a duration option; ConfigError naming `flag` when it is not one, too long, or shorter than `minMs`. */
export function durationOption(flag: string, text: string, minMs = 0): number {
  const problem = durationProblem(text, minMs);
  if (problem) throw new ConfigError(flag, 'value', problem);
  return parseDuration(text)!;
}

/** Device and inode of an existing file (symlinks followed; '-' is standard input), or undefined. */
function identity(path: string): string | undefined {
  try {
    const st = path === '-' ? fstatSync(0) : statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    // Not there (yet): it cannot be an input.
    return undefined;
  }
}

/** A file a command reads, and what it is to the command ('capture being decoded', 'suite file'). */
export interface InputFile {
  path: string;
  what: string;
}

/**
 * Refuses an output file that is one of the command's inputs, by device and inode, so another
 * spelling of the path, a symbolic link or a hard link is the same file too. Opening the output
 * truncates it: `hil decode c.pcap --pcap c.pcap` emptied the capture before reading it.
 */
export function refuseOutputOverInput(flag: string, output: string, inputs: readonly InputFile[]): void {
  const out = identity(output);
  if (out === undefined) return;
  for (const input of inputs) {
    if (identity(input.path) !== out) continue;
    const which = input.path === output ? '' : input.path === '-' ? ' (standard input)' : ` (${input.path})`;
    throw new ConfigError(flag, 'conflict', `'${output}' is the ${input.what}${which}: writing there would destroy it; give another file`);
  }
}
