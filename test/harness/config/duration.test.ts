import { formatDuration, parseDuration } from '../../../core/duration.js';

test.each([
  ['500ms', 500],
  ['60s', 60_000],
  ['2m', 120_000],
  ['1.5h', 5_400_000],
  ['0.25s', 250],
])('parseDuration(%s) = %d', (text, ms) => expect(parseDuration(text)).toBe(ms));

test.each(['', '5', '5 s', '1m30s', '-1s', 's', '2d'])('parseDuration(%j) is undefined', (text) => expect(parseDuration(text)).toBeUndefined());

test.each([
  [950, '950ms'],
  [60_000, '1m'],
  [7_200_000, '2h'],
  [5_000, '5s'],
  [12_340, '12.3s'],
  [125_000, '2m05s'],
])('formatDuration(%d) = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
