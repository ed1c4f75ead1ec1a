/**
 * Runs one power command line under a hard deadline. Lab commands are shell lines (`relay-ctl 1
 * on`, `ssh pdu 'outlet 3 off'`), so they go through /bin/sh — in a process group of their own,
 * because killing only the shell on a timeout would leave a grandchild holding the output pipe
 * open, and execa would wait for that pipe forever.
 */
import { execa } from 'execa';

export interface CommandOutcome {
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  /** The shell could not be started at all. */
  spawnError?: string;
  /** stdout and stderr interleaved, trimmed of the final newline, capped. */
  output: string;
  durationMs: number;
}

/** Output kept per command; a relay tool has no business printing more. */
export const MAX_OUTPUT_BYTES = 64 * 1024;
/** After SIGTERM, how long a command gets before SIGKILL. */
const KILL_GRACE_MS = 500;
/** After SIGKILL, how long we wait for the exit to be reported before giving up on the child. */
const REAP_GRACE_MS = 2000;

export async function runCommand(command: string, timeoutMs: number): Promise<CommandOutcome> {
  const started = performance.now();
  const sub = execa(command, {
    shell: true,
    detached: true,
    reject: false,
    all: true,
    stdin: 'ignore',
    maxBuffer: MAX_OUTPUT_BYTES,
    encoding: 'utf8',
  });
  let timedOut = false;
  const timers: ReturnType<typeof setTimeout>[] = [];
  let giveUp: () => void = () => {};
  const abandoned = new Promise<'abandoned'>((resolve) => (giveUp = () => resolve('abandoned')));
  timers.push(
    setTimeout(() => {
      timedOut = true;
      killGroup(sub.pid, 'SIGTERM');
      timers.push(setTimeout(() => killGroup(sub.pid, 'SIGKILL'), KILL_GRACE_MS));
      timers.push(setTimeout(giveUp, KILL_GRACE_MS + REAP_GRACE_MS));
    }, timeoutMs),
  );
  try {
    // The subprocess is a thenable: wrap its result so the race compares settled values.
    const settled = await Promise.race([sub.then((r) => ({ r })), abandoned]);
    const durationMs = Math.round(performance.now() - started);
    if (settled === 'abandoned') return { timedOut: true, output: '', durationMs };
    const r = settled.r;
    const output = typeof r.all === 'string' ? r.all : '';
    if (r.exitCode === undefined && r.signal === undefined && !timedOut) {
      return { timedOut, spawnError: r.shortMessage ?? r.message ?? 'spawn failed', output, durationMs };
    }
    return { exitCode: r.exitCode, signal: r.signal, timedOut, output, durationMs };
  } finally {
    for (const t of timers) clearTimeout(t);
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
