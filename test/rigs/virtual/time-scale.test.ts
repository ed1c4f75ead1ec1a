/** The rig's scaled clock: its timers never fire before their scaled time has passed. */
import { TimeScale } from '../../../rigs/virtual/time-scale.js';

describe('TimeScale timers', () => {
  test('200 timers at scale 600 each fire at or after their due time on the scaled clock', async () => {
    const clock = new TimeScale(600, 0);
    const early: string[] = [];
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const ms = (i * 37) % 6000; // up to 10 real ms
        const due = clock.monotonic() + ms;
        return new Promise<void>((resolve) =>
          clock.setTimeout(() => {
            const at = clock.monotonic();
            if (at < due) early.push(`timer ${i} (${ms} ms) fired ${(due - at).toFixed(1)} ms early`);
            resolve();
          }, ms),
        );
      }),
    );
    expect(early).toEqual([]);
    clock.clearAll();
  });

  test('clearTimeout cancels; clearAll cancels what is left', async () => {
    const clock = new TimeScale(600, 0);
    const fired: string[] = [];
    const a = clock.setTimeout(() => fired.push('a'), 600);
    clock.setTimeout(() => fired.push('b'), 600);
    clock.clearTimeout(a);
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 1200));
    expect(fired).toEqual(['b']);
    clock.setTimeout(() => fired.push('c'), 600);
    clock.clearAll();
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 1200));
    expect(fired).toEqual(['b']);
  });
});
