/**
 * Decoded TLV values as expectations see them: dotted field paths, row selection, comparison of a
 * value from the wire with one written in a suite, and one-line renderings for messages.
 *
 * Suites are YAML, so a written value is a number, string or boolean; the wire gives numbers,
 * bigints, strings, booleans and bytes. `sameValue` compares them the way a person reading the
 * suite would: 317 equals "317", bytes equal their text or hex; numbers compare exactly.
 */
import { formatValue } from '../csmp/format.js';
import { toHex } from '../../core/bytes.js';
import type { FieldMap } from '../csmp/value.js';
import type { ExpectParams } from '../config/expectation-steps.js';

export type Row = FieldMap;

/** The value at a dotted path ("hwInfo.hwId"), or undefined when any part is absent. */
export function fieldAt(row: Row | undefined, path: string | undefined): unknown {
  if (path === undefined) return row;
  let v: unknown = row;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function bytesText(b: Uint8Array): string | undefined {
  // Printable ASCII reads as text (an SSID, a name); anything else only as hex.
  return b.every((c) => c >= 0x20 && c < 0x7f) ? Buffer.from(b).toString('latin1') : undefined;
}

/**
 * Equality between a decoded value and a value written in a suite. Loose only in representation
 * (317 equals "317", bytes equal their text or hex), never in content: integers compare exactly
 * (a uint64 is a bigint, never rounded through a double), an absent field equals nothing, and an
 * object equals one with exactly the same fields (a device adding a field fails an `equals`).
 */
export function sameValue(actual: unknown, wanted: unknown): boolean {
  if (actual === undefined || actual === null || wanted === undefined || wanted === null) return false;
  if (actual instanceof Uint8Array) {
    if (wanted instanceof Uint8Array) return toHex(actual) === toHex(wanted);
    const w = String(wanted);
    return bytesText(actual) === w || toHex(actual) === w.replace(/[\s:]/g, '').toLowerCase();
  }
  if (typeof actual === 'bigint' || typeof actual === 'number') {
    if (typeof wanted === 'string' && !NUMBER_TEXT.test(wanted.trim())) return false;
    return compareNumbers(actual, wanted) === 0;
  }
  if (typeof actual === 'boolean') return wanted === actual || (typeof wanted === 'string' && wanted === String(actual));
  if (typeof actual === 'string') return actual === String(wanted);
  if (Array.isArray(actual)) {
    return Array.isArray(wanted) && actual.length === wanted.length && actual.every((a, i) => sameValue(a, wanted[i]));
  }
  if (typeof actual === 'object') {
    if (typeof wanted !== 'object' || Array.isArray(wanted)) return false;
    const a = actual as Record<string, unknown>;
    const w = wanted as Record<string, unknown>;
    const present = Object.keys(a).filter((k) => a[k] !== undefined);
    return present.length === Object.keys(w).length && present.every((k) => k in w && sameValue(a[k], w[k]));
  }
  return false;
}

const NUMBER_TEXT = /^-?[0-9]+(\.[0-9]+)?$/;

/**
 * A number as exactly as it can be known: integers as bigint (wire uint64s, safe JS integers,
 * integer text of any length), other finite numbers as they are. A JS number that is an integer
 * beyond 2^53 stays a number: it is a float from the wire or a rounded YAML literal (which the
 * suite loader refuses), and reading it as an exact integer would claim more than it holds.
 */
export function exactNumber(v: unknown): bigint | number | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^-?[0-9]+$/.test(t)) return BigInt(t);
    if (NUMBER_TEXT.test(t)) return Number(t);
  }
  return undefined;
}

/** Sign of a - b for two numbers as exactNumber reads them; undefined when either is not a number. */
export function compareNumbers(a: unknown, b: unknown): -1 | 0 | 1 | undefined {
  const x = exactNumber(a);
  const y = exactNumber(b);
  if (x === undefined || y === undefined) return undefined;
  if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : x > y ? 1 : 0;
  // An integer against a float: compared with the float's floor, exact on both sides.
  const [big, float, sign] = typeof x === 'bigint' ? [x, y as number, 1] : [y as bigint, x as number, -1];
  const floor = BigInt(Math.floor(float));
  const c = big > floor ? 1 : big === floor && Number.isInteger(float) ? 0 : -1;
  return (c * sign) as -1 | 0 | 1;
}

/** One value as a person reads it in a report. */
export function valueText(v: unknown): string {
  if (v === undefined) return 'absent';
  if (v === null) return 'null';
  if (v instanceof Uint8Array) {
    const text = bytesText(v);
    return text !== undefined && v.length > 0 ? `${JSON.stringify(text)} (${toHex(v)})` : v.length === 0 ? 'empty bytes' : toHex(v);
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(valueText).join(', ')}]`;
  if (typeof v === 'object') return formatValue(v as FieldMap);
  return String(v);
}

/** Rows whose fields match every entry of `filter`. */
export function matchingRows(rows: readonly Row[], filter: Record<string, unknown>): Row[] {
  return rows.filter((r) => Object.entries(filter).every(([path, want]) => sameValue(fieldAt(r, path), want)));
}

export function rowFilterText(filter: Record<string, unknown>): string {
  return Object.entries(filter)
    .map(([k, v]) => `${k}=${valueText(v)}`)
    .join(', ');
}

/** Whether an `expect` step's comparison holds for the value found. */
export function holds(op: ExpectParams['op'], value: unknown, wanted: unknown): boolean {
  switch (op) {
    case 'absent':
      return value === undefined;
    case 'present':
      return value !== undefined;
    case 'equals':
      return sameValue(value, wanted);
    case 'notEquals':
      // An absent field differs from everything, and says nothing: `absent: true` says it.
      return value !== undefined && !sameValue(value, wanted);
    case 'matches': {
      if (value === undefined) return false;
      // An object is matched in its report rendering: JSON cannot carry a uint64 (bigint) field.
      const text = value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : typeof value === 'object' && value !== null ? valueText(value) : String(value);
      return new RegExp(String(wanted)).test(text);
    }
    case 'gte':
    case 'lte': {
      const c = compareNumbers(value, wanted);
      if (c === undefined) return false;
      return op === 'gte' ? c >= 0 : c <= 0;
    }
  }
}
