/**
 * The time of `--since`/`--until` as the span its text names: `2026-12-06T10:00` is that whole
 * minute, `…T10:00:05` that second, `…T10:00:05.1` that tenth. --since starts at the span's start
 * and --until ends at its end, so `--until 10:00` keeps 10:00:59.999…, as a reader of the flag
 * expects. A time without a zone is UTC, the zone `hil decode` prints frame times in (Date.parse
 * would take it as the machine's local time, so the same command gave another window elsewhere).
 */
import { ConfigError } from '../../core/errors.js';

export interface TimeSpan {
  /** ms since the epoch, inclusive. */
  start: number;
  /** ms since the epoch, exclusive. */
  end: number;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

const UNIT_MS = { day: 86_400_000, hour: 3_600_000, minute: 60_000, second: 1000 } as const;

export function parseTimeSpan(option: string, text: string): TimeSpan {
  const m = ISO.exec(text.trim());
  const refuse = (): never => {
    throw new ConfigError(option, 'value', `${JSON.stringify(text)} is not a date and time (ISO 8601: 2026-12-04T18:00:00Z)`);
  };
  if (!m) return refuse();
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  // A bare hour (T10) is not ISO 8601's extended format; Date.parse refuses it too.
  if (h !== undefined && mi === undefined) return refuse();
  const base = `${y}-${mo}-${d}T${h ?? '00'}:${mi ?? '00'}:${s ?? '00'}${normalZone(zone)}`;
  const whole = Date.parse(base);
  if (Number.isNaN(whole) || new Date(Date.parse(`${y}-${mo}-${d}T00:00:00Z`)).getUTCDate() !== Number(d)) return refuse();
  if (frac !== undefined) {
    const unit = 1000 / 10 ** frac.length;
    const start = whole + Number(`0.${frac}`) * 1000;
    return { start, end: start + unit };
  }
  const unit = s !== undefined ? UNIT_MS.second : mi !== undefined ? UNIT_MS.minute : UNIT_MS.day;
  return { start: whole, end: whole + unit };
}

function normalZone(zone: string | undefined): string {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 'Z';
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}
