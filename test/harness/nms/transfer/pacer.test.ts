import { LinkPacer } from '../../../../harness/nms/transfer/pacer.js';
import { FakeClock } from '../../../support/fake-clock.js';

/** Lets resolved acquire() continuations run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('LinkPacer', () => {
  test('at the line rate: 1100-byte frames on an 11 000 B/s line leave every 100 ms after a burst of two', async () => {
    const clock = new FakeClock(0);
    const pacer = new LinkPacer(clock, { bytesPerSecond: 11_000, burstBytes: 2200, maxInFlight: 100, initialWindow: 100 });
    const leftAt: number[] = [];
    for (let i = 0; i < 6; i++) void pacer.acquire(1100).then(() => leftAt.push(clock.now()));
    await settle();
    for (let t = 0; t < 400 && leftAt.length < 6; t++) {
      clock.advance(1);
      await settle();
    }
    // Two frames empty the burst; the third leaves as soon as the bucket holds a byte again and
    // drives it into debt; from then on one frame per 100 ms (times as seen after each 1 ms step).
    expect(leftAt).toEqual([0, 0, 1, 101, 201, 301]);
    pacer.close();
  });

  test('the window holds messages until acknowledgements come back, and follows the measured round trip', async () => {
    const clock = new FakeClock(0);
    const pacer = new LinkPacer(clock, { bytesPerSecond: 11_000, maxInFlight: 8, initialWindow: 2, burstBytes: 1e9 });
    let left = 0;
    for (let i = 0; i < 5; i++) void pacer.acquire(1100).then(() => left++);
    await settle();
    expect([left, pacer.outstanding]).toEqual([2, 2]);
    // A 400 ms round trip carries 4 frames of 1100 bytes at 11 000 B/s: window 5.
    pacer.done(400);
    await settle();
    expect([left, pacer.inFlightLimit, pacer.outstanding]).toEqual([5, 5, 4]);
    pacer.close();
  });

  test('without a line rate only the window paces; close() rejects what still waits', async () => {
    const clock = new FakeClock(0);
    const pacer = new LinkPacer(clock, { initialWindow: 1 });
    await pacer.acquire(5000);
    const waiting = pacer.acquire(5000);
    pacer.close();
    await expect(waiting).rejects.toThrow('pacer closed');
    expect(() => new LinkPacer(clock, { bytesPerSecond: 0 })).toThrow('bytesPerSecond must be positive, got 0');
  });
});
