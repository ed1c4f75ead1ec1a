/**
 * Waiting inside a step: on a promise, until the step's signal aborts; on a device's state
 * machine, for a transition within clock time.
 */
import type { DeviceRecord, StateTransition } from '../nms/device-state.js';
import type { Bench } from './bench.js';

/** `p`, or the signal's reason once it aborts (the work behind `p` may go on; its result is dropped). */
export function abortable<T>(signal: AbortSignal, p: Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** The first transition of `rec` matching `pred` within `ms` of clock time, or undefined. */
export function waitTransition(bench: Bench, rec: DeviceRecord, pred: (t: StateTransition) => boolean, ms: number): Promise<StateTransition | undefined> {
  const { nms, clock } = bench;
  return new Promise((resolve) => {
    const onTransition = (r: DeviceRecord, t: StateTransition): void => {
      if (r !== rec || !pred(t)) return;
      clock.clearTimeout(timer);
      nms.devices.off('transition', onTransition);
      resolve(t);
    };
    const timer = clock.setTimeout(() => {
      nms.devices.off('transition', onTransition);
      resolve(undefined);
    }, ms);
    nms.devices.on('transition', onTransition);
  });
}
