/**
 * Ends the process with `code` once everything written to stdout and stderr has been handed to
 * the OS. Writes to a pipe are asynchronous in Node here: a process that wrote 4 MiB and called
 * process.exit() delivered 64 KiB of it to a slow reader, and a `hil decode` under load lost the
 * last lines of its output that way. Commands still end with an exit (a board driver or a library
 * timer left running must not keep a finished run alive), just not before their output is out.
 */
export function exitAfterOutput(code: number): never {
  process.exitCode = code;
  const streams = [process.stdout, process.stderr];
  let left = streams.length;
  const done = (): void => {
    left -= 1;
    if (left === 0) process.exit(code);
  };
  for (const s of streams) {
    // An empty write's callback runs after every write queued before it.
    if (s.destroyed || !s.writable) done();
    else s.write('', () => done());
  }
  return undefined as never;
}
