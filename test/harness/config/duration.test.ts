import { durationProblem, formatDuration, parseDuration } from '../../../core/duration.js';

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

test.each([
  ['0ms', 100, "'0ms' is zero: give at least 100ms"],
  ['99ms', 100, "'99ms' is too short: give at least 100ms"],
  ['0.4ms', 1, "'0.4ms' is zero: give at least 1ms"],
  ['500ms', 1000, "'500ms' is too short: give at least 1s"],
  ['100ms', 100, undefined],
  ['0s', 0, undefined],
])('durationProblem(%j, at least %d ms)', (text, min, problem) => expect(durationProblem(text, min)).toBe(problem));
