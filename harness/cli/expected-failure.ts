/**
 * How a command that opens a bench ends on a failure it expects: stopped by a signal keeps the
 * signal's exit code; a configuration or resource problem is a usage-class exit 2 (never 1, which
 * means "tests failed"). Anything else is the command's own to judge, so undefined comes back.
 */
import { Stopped, type ProcessStop } from '../app/process-stop.js';
import { ConfigError, ResourceError } from '../../core/errors.js';

export function expectedFailureExit(e: unknown, stop: ProcessStop, err: (line: string) => void): number | undefined {
  if (e instanceof Stopped) {
    err(`stopped: ${e.message}`);
    return stop.exitCode();
  }
  if (e instanceof ConfigError || e instanceof ResourceError) {
    err(e.message);
    return 2;
  }
  return undefined;
}
