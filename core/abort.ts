/**
 * One promise raced against an abort signal. The work itself cannot be cancelled (a socket
 * connect, a lease being taken): on abort its outcome is dropped, and a later rejection of it is
 * handled here so it never surfaces as an unhandled rejection.
 */

/** `work`'s outcome, or `onAbort()`'s (its value, or what it throws) as soon as `signal` aborts first. */
export function raceAbort<T, A>(work: Promise<T>, signal: AbortSignal, onAbort: () => A): Promise<T | A> {
  const settleAborted = (resolve: (v: A) => void, reject: (e: unknown) => void): void => {
    work.catch(() => {});
    try {
      resolve(onAbort());
    } catch (e) {
      reject(e);
    }
  };
  if (signal.aborted) return new Promise<A>(settleAborted);
  return new Promise<T | A>((resolve, reject) => {
    const abort = (): void => settleAborted(resolve, reject);
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
  });
}
