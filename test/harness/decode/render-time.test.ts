/** Capture times as text: what Date#toISOString gives for every time a Date holds, the raw figure beyond. */
import fc from 'fast-check';
import { captureTimeText } from '../../../harness/decode/render.js';

test('any date-range time, in any order, prints as Date#toISOString does (property)', () => {
  const ms = fc.oneof(fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }), fc.integer({ min: 0, max: 4e12 }).map((n) => n + 0.5), fc.constantFrom(0, 999.999, 253402300799999, 253402300800000, -1));
  fc.assert(fc.property(fc.array(ms, { minLength: 1, maxLength: 8 }), (times) => {
    for (const t of times) expect(captureTimeText(t)).toBe(new Date(t).toISOString());
  }), { numRuns: 500 });
});

test('beyond the date range: the raw figure', () => {
  expect(captureTimeText(8.64e15 + 1)).toBe('t=8640000000000.001 s since 1970 (outside the date range)');
  expect(captureTimeText(Infinity)).toBe('time unreadable');
});
