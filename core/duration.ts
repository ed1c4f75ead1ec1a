/**
 * Durations in suite files are strings with one unit ('500ms', '60s', '2m', '1.5h') so a reader never
 * wonders whether a bare 60 meant seconds or milliseconds.
 */
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The longest duration csmp-hil accepts: what a Node.js timer can wait (2^31 - 1 ms, 24 days 20 h).
 * A longer one would fire at once with a TimeoutOverflowWarning, so it is refused where it is
 * written (suite file, command line), not discovered as a runtime error.
 */
export const MAX_DURATION_MS = 2_147_483_647;

/** Milliseconds for a duration string, or undefined when it does not match DURATION_PATTERN. */
export function parseDuration(text: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

/**
 * Why `text` is not a usable duration, or undefined when it is one. `minMs` is the shortest the
 * caller accepts (a wait for a device's answer cannot be zero); 0, the default, accepts any.
 */
export function durationProblem(text: string, minMs = 0): string | undefined {
  const ms = parseDuration(text);
  if (ms === undefined) return `'${text}' is not a duration (use e.g. 500ms, 30s, 2m, 1.5h)`;
  if (!(ms <= MAX_DURATION_MS)) return `'${text}' is longer than 24 days, the longest csmp-hil can wait`;
  if (ms < minMs) return `'${text}' is ${ms === 0 ? 'zero' : 'too short'}: give at least ${formatDuration(minMs)}`;
  return undefined;
}

/** Short human form for logs and reports: 950ms, 60s → 1m, 12.3s, 2m05s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms < 60_000) return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const m = Math.floor(totalSeconds / 60);
  const s = totalSeconds % 60;
  return `${m}m${String(s).padStart(2, '0')}s`;
}
