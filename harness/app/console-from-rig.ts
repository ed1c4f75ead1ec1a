/**
 * Console options from a rig file's `console` section. The rig keeps prompt and error pattern as
 * strings: a prompt written `/…/flags` is a regular expression, anything else is literal text
 * (prompts are full of regex metacharacters: `>`, `$`, `#`, `[`). The error pattern is always a
 * regular expression and gets the `m` flag so `^` means "at the start of any output line".
 */
import type { ConsoleSpec } from '../config/rig.js';
import { ConfigError } from '../../core/errors.js';
import type { ConsoleOptions } from '../../drivers/console/console.js';

export function consoleOptionsFromSpec(board: string, spec: ConsoleSpec): ConsoleOptions {
  const where = `device '${board}': console`;
  const opts: ConsoleOptions = {
    board,
    path: spec.path,
    baudRate: spec.baudRate,
    prompt: promptFrom(spec.prompt, `${where}.prompt`),
    commands: { ...spec.commands },
  };
  if (spec.errorPattern !== undefined) opts.errorPattern = regex(spec.errorPattern, 'm', `${where}.errorPattern`);
  return opts;
}

export function promptFrom(text: string, where = 'console.prompt'): string | RegExp {
  const m = /^\/(.+)\/([a-z]*)$/s.exec(text);
  return m ? regex(m[1]!, m[2]!, where) : text;
}

function regex(source: string, flags: string, where: string): RegExp {
  try {
    return new RegExp(source, [...new Set(flags)].join(''));
  } catch (e) {
    throw new ConfigError(where, 'value', `invalid regular expression: ${(e as Error).message}`);
  }
}
