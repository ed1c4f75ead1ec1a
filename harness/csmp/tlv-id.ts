/**
 * TLV ids written as text (doc 4.3): Uri-Path, `q=`, TlvIndex, ReportSubscribe and
 * DescriptionRequest carry them.
 *
 *   standard: decimal, no padding        "1", "75", "313"
 *   vendor:   "e<PEN>.<vendorType>"      "e5771.127"  (TLV type 127)
 *
 * Text errors are DecodeError('tlv', index, code, reason) where index counts characters.
 */
import { DecodeError } from '../../core/errors.js';
import type { VendorId } from './tlv.js';
import { TLV } from './tlv-ids.js';
import { MAX_VARINT_VALUE } from './varint.js';

export interface TlvId {
  readonly type: number;
  readonly vendor?: VendorId;
}

export interface TlvIdParseOptions {
  /**
   * Read ids the way the reference agent does: anything after the number is ignored, so
   * "22abc" is 22. Off by default: a harness should notice such text, not repeat the quirk.
   */
  readonly lenient?: boolean;
}

export interface TlvIdListOptions extends TlvIdParseOptions {
  /**
   * Treat '+' as a separator (form encoding). The reference agent does not: it reads
   * "q=2+22" as just 2 (doc 8.7). Default true.
   */
  readonly plusSeparates?: boolean;
}

const VENDOR_ID = /^e(\d+)\.(\d+)/;
const DECIMAL = /^\d+/;

export function parseTlvId(text: string, opts?: TlvIdParseOptions): TlvId {
  return parseAt(text, 0, opts?.lenient ?? false);
}

export function formatTlvId(id: TlvId): string {
  return id.vendor ? `e${id.vendor.pen}.${id.vendor.vendorType}` : String(id.type);
}

/**
 * A `q=` value or any list of ids separated by spaces, '%20' or (by default) '+'. A leading
 * "q=" is dropped; empty items from doubled separators are skipped.
 */
export function parseTlvIdList(text: string, opts?: TlvIdListOptions): TlvId[] {
  const lenient = opts?.lenient ?? false;
  const separator = (opts?.plusSeparates ?? true) ? /^(?: |\+|%20)+/ : /^(?: |%20)+/;
  const ids: TlvId[] = [];
  let at = text.startsWith('q=') ? 2 : 0;
  while (at < text.length) {
    const sep = separator.exec(text.slice(at));
    if (sep) {
      at += sep[0].length;
      continue;
    }
    const end = nextSeparator(text, at, opts?.plusSeparates ?? true);
    ids.push(parseAt(text.slice(0, end), at, lenient));
    at = end;
  }
  return ids;
}

export function formatTlvIdList(ids: readonly TlvId[], separator = ' '): string {
  return ids.map(formatTlvId).join(separator);
}

export function sameTlvId(a: TlvId, b: TlvId): boolean {
  if (a.type !== b.type) return false;
  if (!a.vendor || !b.vendor) return !a.vendor && !b.vendor;
  return a.vendor.pen === b.vendor.pen && a.vendor.vendorType === b.vendor.vendorType;
}

function nextSeparator(text: string, from: number, plus: boolean): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === ' ' || (plus && c === '+') || text.startsWith('%20', i)) return i;
  }
  return text.length;
}

/** Parses the id starting at `at`; `text` ends where the id must end. */
function parseAt(text: string, at: number, lenient: boolean): TlvId {
  const rest = text.slice(at);
  // The agent tries the vendor form first, then a plain number (doc 4.3).
  const vendor = VENDOR_ID.exec(rest);
  if (vendor) {
    checkEnd(text, at + vendor[0].length, lenient);
    return {
      type: TLV.Vendor,
      vendor: { pen: number(vendor[1]!, text, at + 1), vendorType: number(vendor[2]!, text, at + 2 + vendor[1]!.length) },
    };
  }
  const decimal = DECIMAL.exec(rest);
  if (!decimal) {
    if (rest === '') throw new DecodeError('tlv', at, 'truncated', 'empty TLV id');
    throw new DecodeError('tlv', at, 'bad-value', `TLV id ${JSON.stringify(rest)} is not a number or e<PEN>.<type>`);
  }
  checkEnd(text, at + decimal[0].length, lenient);
  return { type: number(decimal[0], text, at) };
}

function checkEnd(text: string, end: number, lenient: boolean): void {
  if (!lenient && end < text.length) {
    throw new DecodeError('tlv', end, 'trailing-bytes', `unexpected ${JSON.stringify(text.slice(end))} after TLV id`);
  }
}

function number(digits: string, text: string, at: number): number {
  const n = Number(digits);
  if (n > MAX_VARINT_VALUE) throw new DecodeError('tlv', at, 'too-large', `TLV id number ${digits} exceeds 32 bits`);
  return n;
}
