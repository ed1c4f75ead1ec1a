/** Issue 14 item 3: signals and orphans, on the stop wrapper every starting command uses. */
import { EventEmitter } from 'node:events';
import { ProcessStop, Stopped } from '../../harness/app/process-stop.js';

function setup(parent = 4242) {
  const proc = new EventEmitter();
  const exits: number[] = [];
  let ppid = parent;
  const stop = new ProcessStop(proc, { exit: (c) => void exits.push(c), parentPollMs: 5, parentPid: () => ppid });
  return { proc, stop, exits, orphan: () => (ppid = 1) };
}

describe('ProcessStop', () => {
  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s: the first asks for an orderly stop, the second forces it, the third exits %i after the cleanups', (signal, code) => {
    const { proc, stop, exits } = setup();
    const cleaned: string[] = [];
    stop.atExit(() => cleaned.push('lock'));
    proc.emit(signal, signal);
    expect([stop.signal.aborted, stop.force.aborted, stop.reason, stop.exitCode()]).toEqual([true, false, `received ${signal}`, code]);
    proc.emit(signal, signal);
    expect(stop.force.aborted).toBe(true);
    expect(exits).toEqual([]);
    proc.emit(signal, signal);
    expect({ exits, cleaned }).toEqual({ exits: [code], cleaned: ['lock'] });
    stop.dispose();
  });

  test('a signal before the command started is remembered; a command that starts nothing then exits with it', () => {
    const { proc, stop, exits } = setup();
    proc.emit('SIGTERM', 'SIGTERM');
    stop.release();
    expect(exits).toEqual([143]);
    expect(proc.listenerCount('SIGTERM')).toBe(0);
  });

  test('until() rejects with Stopped at the first signal, and at once when it already came', async () => {
    const { proc, stop } = setup();
    const never = new Promise<void>(() => {});
    const waiting = stop.until(never);
    proc.emit('SIGINT', 'SIGINT');
    await expect(waiting).rejects.toEqual(new Stopped('received SIGINT'));
    await expect(stop.until(Promise.resolve(1))).rejects.toBeInstanceOf(Stopped);
    stop.dispose();
  });

  test('an orphan (parent gone, e.g. npx killed) stops as if it had received SIGHUP', async () => {
    const { stop, orphan } = setup();
    stop.watchParent();
    const stopped = new Promise<string>((resolve) => stop.signal.addEventListener('abort', () => resolve(String(stop.signal.reason))));
    orphan();
    expect(await stopped).toBe('the parent process (pid 4242) is gone');
    expect([stop.received, stop.exitCode()]).toEqual(['SIGHUP', 129]);
    stop.dispose();
  });

  test('a process started by init has no parent to lose: no watch', () => {
    const { stop } = setup(1);
    stop.watchParent();
    expect(stop.signal.aborted).toBe(false);
    stop.dispose();
  });
});
