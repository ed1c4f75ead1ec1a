import { describe, expect, test } from '@jest/globals';
import { raceAbort } from '../../core/abort.js';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('raceAbort', () => {
  test("the work's value or error when it settles first; the listener is gone after", async () => {
    const c = new AbortController();
    await expect(raceAbort(Promise.resolve(7), c.signal, () => 'stopped')).resolves.toBe(7);
    await expect(raceAbort(Promise.reject(new Error('refused')), c.signal, () => 'stopped')).rejects.toThrow('refused');
    let aborted = 0;
    const p = raceAbort(Promise.resolve(1), c.signal, () => aborted++);
    await p;
    c.abort('late');
    expect(aborted).toBe(0);
  });

  test("onAbort's value, or its error, when the signal aborts first; the work's later outcome is dropped", async () => {
    const c = new AbortController();
    const work = deferred<number>();
    const raced = raceAbort(work.promise, c.signal, () => 'stopped');
    c.abort('SIGTERM');
    await expect(raced).resolves.toBe('stopped');
    work.reject(new Error('too late')); // handled: no unhandled rejection fails the test run

    const c2 = new AbortController();
    const raced2 = raceAbort(deferred<number>().promise, c2.signal, () => {
      throw new Error(`stopped: ${String(c2.signal.reason)}`);
    });
    c2.abort('SIGINT');
    await expect(raced2).rejects.toThrow('stopped: SIGINT');
  });

  test('a signal aborted before the race settles at once with onAbort', async () => {
    const c = new AbortController();
    c.abort('before');
    const work = deferred<number>();
    await expect(raceAbort(work.promise, c.signal, () => 'stopped')).resolves.toBe('stopped');
    work.reject(new Error('after'));
  });
});
