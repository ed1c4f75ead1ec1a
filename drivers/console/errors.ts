/**
 * What can go wrong running one console command. Both errors name the board and the command and
 * quote what the board said, so a report line is enough to start debugging without the
 * transcript. A lost or closed console is a ResourceError (core/errors.ts).
 */

/** What went wrong with a command the board received: it answered with an error, or not in time. */
export type ConsoleErrorCode = 'command-failed' | 'timeout';

/** Longest quote of board output in a message; the transcript keeps everything. */
const QUOTE_CHARS = 400;

export function quote(text: string): string {
  const tail = text.length > QUOTE_CHARS ? `…${text.slice(-QUOTE_CHARS)}` : text;
  return JSON.stringify(tail);
}

/** The board answered, and the answer matched the error pattern. */
export class ConsoleCommandError extends Error {
  override readonly name = 'ConsoleCommandError';
  readonly code: ConsoleErrorCode = 'command-failed';
  constructor(
    readonly board: string,
    readonly command: string,
    readonly output: string,
    /** The line that matched the error pattern. */
    readonly errorLine: string,
  ) {
    super(`console ${board}: '${command}' failed: ${quote(errorLine)} (output: ${quote(output)})`);
  }
}

/** The prompt (or the expected pattern) did not come in time. */
export class ConsoleTimeoutError extends Error {
  override readonly name = 'ConsoleTimeoutError';
  readonly code: ConsoleErrorCode = 'timeout';
  constructor(
    readonly board: string,
    readonly command: string,
    readonly waitedFor: string,
    readonly timeoutMs: number,
    /** Everything received since the command was sent. */
    readonly seen: string,
  ) {
    super(
      `console ${board}: '${command}' got no ${waitedFor} within ${timeoutMs} ms; ` +
        (seen.length ? `seen: ${quote(seen)}` : 'the board sent nothing'),
    );
  }
}
