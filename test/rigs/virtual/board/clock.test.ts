import { BoardClock, parseOffsetSeconds } from '../../../../rigs/virtual/board/clock.js';
import { ClockUnreadable } from '../../../../rigs/virtual/meter/device-time.js';

const BASE = Date.UTC(2024, 4, 27, 20, 0, 0);

function manual(start = 5000) {
  const host = { t: start, now: () => host.t };
  return host;
}

describe('BoardClock', () => {
  test('now = base + (host - start) × scale + offset', () => {
    const host = manual();
    const c = new BoardClock({ host, scale: 60, base: BASE, offsetSeconds: -30 });
    expect(c.now()).toBe(BASE - 30_000);
    host.t += 1000; // one real second = one device minute
    expect(c.now()).toBe(BASE + 60_000 - 30_000);
    expect(c.trueNow()).toBe(BASE + 60_000);
    expect(c.monotonic()).toBe(60_000);
  });

  test('offset: set, adjust, and set-to-time all leave uptime alone', () => {
    const host = manual();
    const c = new BoardClock({ host, base: BASE });
    c.offsetSeconds = 7200;
    expect(c.now()).toBe(BASE + 7_200_000);
    c.adjust(-1800);
    expect(c.offsetSeconds).toBe(5400);
    host.t += 250;
    c.set(BASE);
    expect(c.offsetSeconds).toBe(-0.25);
    expect(c.now()).toBe(BASE);
    expect(c.monotonic()).toBe(250);
  });

  test('unreadable: now() throws ClockUnreadable until cleared', () => {
    const c = new BoardClock({ host: manual(), base: BASE });
    c.unreadable = true;
    expect(() => c.now()).toThrow(ClockUnreadable);
    c.unreadable = false;
    expect(c.now()).toBe(BASE);
  });

  test('timers run on host time divided by the scale', () => {
    const calls: number[] = [];
    const c = new BoardClock({
      host: manual(),
      scale: 60,
      timers: { setTimeout: (_fn, ms) => (calls.push(ms), 'h'), clearTimeout: () => {} },
    });
    expect(c.setTimeout(() => {}, 20_000)).toBe('h');
    expect(calls).toEqual([20_000 / 60]);
  });

  test('rejects a non-positive scale', () => {
    expect(() => new BoardClock({ scale: 0 })).toThrow('"scale" must be a positive number, got 0');
  });

  test('console offsets: signed seconds or a unit', () => {
    expect(['+7200', '-30', '+2h', '-1.5h', '90s', '15m', '1d', '2x', '', '+-1'].map(parseOffsetSeconds)).toEqual([
      7200, -30, 7200, -5400, 90, 900, 86400, undefined, undefined, undefined,
    ]);
  });
});
