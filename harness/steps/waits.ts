/**
 * Waiting inside a step: on a promise, until the step's signal aborts; on a device's state
 * machine, for a transition within clock time.
 */
import type { DeviceRecord, StateTransition } from '../nms/device-state.js';
import type { Bench } from './bench.js';
import { raceAbort } from '../../core/abort.js';

/** `p`, or the signal's reason once it aborts (the work behind `p` may go on; its result is dropped). */
export function abortable<T>(signal: AbortSignal, p: Promise<T>): Promise<T> {
  return raceAbort(p, signal, () => {
    throw signal.reason;
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
