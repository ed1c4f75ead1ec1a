/**
 * Decoded TLV values as expectations see them: dotted field paths, row selection, comparison of a
 * value from the wire with one written in a suite, and one-line renderings for messages.
 *
 * Suites are YAML, so a written value is a number, string or boolean; the wire gives numbers,
 * bigints, strings, booleans and bytes. `sameValue` compares them the way a person reading the
 * suite would: 317 equals "317", bytes equal their text or hex.
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

/** Loose equality between a decoded value and a value written in a suite. */
export function sameValue(actual: unknown, wanted: unknown): boolean {
  if (actual === undefined || actual === null) return wanted === undefined || wanted === null;
  if (actual instanceof Uint8Array) {
    if (wanted instanceof Uint8Array) return toHex(actual) === toHex(wanted);
    const w = String(wanted);
    return bytesText(actual) === w || toHex(actual) === w.replace(/[\s:]/g, '').toLowerCase();
  }
  if (typeof actual === 'bigint' || typeof actual === 'number') {
    if (typeof wanted === 'bigint' && typeof actual === 'bigint') return actual === wanted;
    if (typeof wanted === 'number' || typeof wanted === 'bigint') return Number(actual) === Number(wanted);
    if (typeof wanted === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(wanted.trim())) return Number(actual) === Number(wanted);
    return false;
  }
  if (typeof actual === 'boolean') return wanted === actual || (typeof wanted === 'string' && wanted === String(actual));
  if (typeof actual === 'string') return actual === String(wanted);
  if (Array.isArray(actual)) {
    return Array.isArray(wanted) && actual.length === wanted.length && actual.every((a, i) => sameValue(a, wanted[i]));
  }
  if (typeof actual === 'object') {
    if (typeof wanted !== 'object' || wanted === null) return false;
    return Object.entries(wanted as Record<string, unknown>).every(([k, w]) => sameValue((actual as Record<string, unknown>)[k], w));
  }
  return false;
}

export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
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
      return !sameValue(value, wanted);
    case 'matches': {
      if (value === undefined) return false;
      const text = value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : typeof value === 'object' ? JSON.stringify(value) : String(value);
      return new RegExp(String(wanted)).test(text);
    }
    case 'gte':
    case 'lte': {
      const v = asNumber(value);
      const w = asNumber(wanted);
      if (v === undefined || w === undefined) return false;
      return op === 'gte' ? v >= w : v <= w;
    }
  }
}
