/**
 * TLV values: protobuf bytes ↔ plain objects keyed by the doc's field names.
 *
 * Plain values: numbers (32-bit, float), `number | bigint` for 64-bit (bigint only beyond
 * 2^53), booleans, strings, Uint8Array for bytes (a view into the frame, not a copy), nested
 * objects, arrays for repeated fields. A field the device left out is absent — never 0, false
 * or "" (doc 4.4); an empty repeated field is absent too, as on the wire.
 *
 * decodeValue never throws: a TLV without schema or with a value that does not decode keeps
 * its raw bytes, and the second case carries a DecodeError('tlv-value', offset, code, reason).
 */
import protobuf from 'protobufjs';
import { DecodeError, type DecodeErrorCode } from '../../core/errors.js';
import { messageTypeFor, tlvName, tlvType } from './registry.js';
import type { TlvInput, VendorId } from './tlv.js';
import { TLV } from './tlv-ids.js';
import { fromHex, toHex } from '../../core/bytes.js';
import { formatTlvId } from './tlv-id.js';

export type FieldMap = Record<string, unknown>;

export interface DecodedTlv {
  readonly type: number;
  readonly vendor?: VendorId;
  readonly name: string;
  /** Absent when the TLV has no schema here or its value did not decode. */
  readonly value?: FieldMap;
  readonly raw: Uint8Array;
  /** Why `value` is absent although a schema exists. Offset counts from the payload start when the TLV came from decodeTlvs. */
  readonly error?: DecodeError;
  /** The TLV's offset in its payload, when known. */
  readonly offset?: number;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface DecodedTlvJson {
  /** Text id as in doc 4.3: "75", "e5771.127". */
  readonly id: string;
  readonly type: number;
  readonly name: string;
  readonly offset?: number;
  readonly value?: JsonObject;
  /** The value bytes as lowercase hex. */
  readonly raw: string;
  readonly error?: { readonly layer: string; readonly offset: number; readonly code: DecodeErrorCode; readonly reason: string };
}

type Tlvish = TlvInput & { readonly offset?: number; readonly valueOffset?: number };

export function decodeValue(tlv: Tlvish): DecodedTlv {
  // One object shape for every result (absent members are undefined): this runs for every TLV
  // of every frame, and spreads of optional members cost more than the protobuf decode.
  let value: FieldMap | undefined;
  let error: DecodeError | undefined;
  const name = tlvName(tlv.type);
  // Type 127 framed without a vendor id is the draft layout, whose SubTLVs are not protobuf.
  const type = tlv.type === TLV.Vendor && !tlv.vendor ? undefined : messageTypeFor(tlv.type, tlv.vendor);
  if (type) {
    const reader = new protobuf.Reader(plainView(tlv.value));
    try {
      value = converterFor(type)(type.decode(reader));
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      error = new DecodeError('tlv-value', (tlv.valueOffset ?? 0) + reader.pos, protobufCode(reason), `${name}: ${reason}`);
    }
  }
  return { type: tlv.type, vendor: tlv.vendor, name, value, raw: tlv.value, error, offset: tlv.offset };
}

/**
 * protobufjs says what failed only in text: "index out of range: …" when a length or field runs
 * past the value, "max depth exceeded" for nesting beyond its limit, "invalid wire type …",
 * "illegal tag …" or "invalid … encoding" for bytes that are not protobuf.
 */
function protobufCode(reason: string): DecodeErrorCode {
  if (reason.startsWith('index out of range')) return 'truncated';
  if (reason.startsWith('max depth')) return 'too-large';
  return 'bad-value';
}

/**
 * Encodes a plain value for TLV `type` (id or name). Bytes fields take Uint8Array or hex text,
 * 64-bit fields number, bigint or decimal text — so toJson output encodes back unchanged.
 * Throws TypeError/RangeError naming the field on anything the schema cannot hold.
 */
export function encodeValue(type: number | string, fields: FieldMap): Uint8Array {
  const id = typeof type === 'number' ? type : tlvType(type);
  const message = id === undefined ? undefined : messageTypeFor(id);
  if (!message) throw new TypeError(`TLV ${String(type)} has no schema to encode with`);
  return message.encode(fromPlain(fields, message, message.name)).finish();
}

export function toJson(decoded: DecodedTlv): DecodedTlvJson {
  const { error } = decoded;
  return {
    id: formatTlvId(decoded),
    type: decoded.type,
    name: decoded.name,
    ...(decoded.offset !== undefined ? { offset: decoded.offset } : {}),
    ...(decoded.value ? { value: valueToJson(decoded.value) } : {}),
    raw: toHex(decoded.raw),
    ...(error ? { error: { layer: error.layer, offset: error.offset, code: error.code, reason: error.reason } } : {}),
  };
}

/** A plain value as JSON: bytes → hex, bigint → decimal text, non-finite floats → "NaN"/"Infinity". */
export function valueToJson(value: FieldMap): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) out[k] = jsonOf(v);
  return out;
}

function jsonOf(v: unknown): Json {
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (Array.isArray(v)) return v.map(jsonOf);
  if (typeof v === 'object' && v !== null) return valueToJson(v as FieldMap);
  return v as Json;
}

// ---- decode side: protobufjs message → plain object ----

type Kind = 'plain' | 'long' | 'bytes' | 'message';
type ToPlain = (m: protobuf.Message) => FieldMap;

// Derived from the immutable schema, so caching per type is safe.
const converters = new WeakMap<protobuf.Type, ToPlain>();

/**
 * A converter compiled per message type with its field names as literals. A generic loop over
 * field names made this conversion cost three times the protobuf decode itself (keyed stores
 * into fresh objects); with literal names V8 keeps the objects fast.
 */
function converterFor(type: protobuf.Type): ToPlain {
  let fn = converters.get(type);
  if (fn) return fn;
  const conv: ((v: unknown) => unknown)[] = [];
  const lines = ['var o = {}, v;'];
  for (const f of type.fieldsArray) {
    f.resolve();
    const kind: Kind =
      f.resolvedType instanceof protobuf.Type ? 'message' : f.type === 'bytes' ? 'bytes' : LONG_TYPES.has(f.type) ? 'long' : 'plain';
    const key = JSON.stringify(f.name);
    let use = 'v';
    if (kind !== 'plain') {
      conv.push(kind === 'bytes' ? (v) => plainView(v as Uint8Array) : kind === 'long' ? fromLong : nested(f.resolvedType as protobuf.Type));
      use = `conv[${conv.length - 1}](v)`;
    }
    lines.push(`v = m[${key}];`);
    if (f.repeated) {
      lines.push(`if (v && v.length) o[${key}] = ${use === 'v' ? 'v' : `v.map(function (x) { return ${use.replace('(v)', '(x)')}; })`};`);
    } else {
      lines.push(`if (v != null && hasOwn(m, ${key})) o[${key}] = ${use};`);
    }
  }
  lines.push('return o;');
  const compiled = new Function('hasOwn', 'conv', `return function (m) {\n${lines.join('\n')}\n};`)(Object.hasOwn, conv) as ToPlain;
  converters.set(type, compiled);
  return compiled;
}

/** Defers compiling a nested type until first used (and tolerates recursive types). */
function nested(type: protobuf.Type): (v: unknown) => unknown {
  return (v) => converterFor(type)(v as protobuf.Message);
}

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function fromLong(v: unknown): number | bigint {
  if (typeof v === 'number') return v;
  const big = BigInt((v as { toString(): string }).toString());
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** Buffer views become plain Uint8Array views over the same memory, so values compare and print alike. */
function plainView(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// ---- encode side: plain object → object protobufjs can encode, checked field by field ----

const INT_RANGES: Record<string, readonly [number, number]> = {
  int32: [-0x8000_0000, 0x7fff_ffff],
  sint32: [-0x8000_0000, 0x7fff_ffff],
  sfixed32: [-0x8000_0000, 0x7fff_ffff],
  uint32: [0, 0xffff_ffff],
  fixed32: [0, 0xffff_ffff],
};
const LONG_RANGES: Record<string, readonly [bigint, bigint]> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};
const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

// Paths name a field only in errors: built on the way out, never for fields that encode (this
// runs for every TLV a virtual meter sends, and eager path strings were most of its cost).
function fromPlain(fields: unknown, type: protobuf.Type, path: string): FieldMap {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields) || fields instanceof Uint8Array) {
    throw new TypeError(`${path}: expected an object of ${type.name} fields`);
  }
  const out: FieldMap = {};
  const given = fields as FieldMap;
  for (const name of Object.keys(given)) {
    const field = Object.hasOwn(type.fields, name) ? type.fields[name] : undefined;
    if (!field) throw new TypeError(`${path}: ${type.name} has no field "${name}"`);
    const v = given[name];
    if (v === undefined || v === null) continue;
    field.resolve();
    if (field.repeated) {
      if (!Array.isArray(v)) throw new TypeError(`${path}.${name}: repeated field needs an array`);
      const list = new Array<unknown>(v.length);
      for (let i = 0; i < v.length; i++) list[i] = fieldValue(field, v[i], path, i);
      out[name] = list;
    } else {
      out[name] = fieldValue(field, v, path, -1);
    }
  }
  return out;
}

/** `parent.name` or `parent.name[index]`: the field's path, for an error. */
function at(parent: string, field: protobuf.Field, index: number): string {
  return index < 0 ? `${parent}.${field.name}` : `${parent}.${field.name}[${index}]`;
}

function fieldValue(field: protobuf.Field, v: unknown, parent: string, index: number): unknown {
  if (field.resolvedType instanceof protobuf.Type) return fromPlain(v, field.resolvedType, at(parent, field, index));
  const t = field.type;
  const range = INT_RANGES[t];
  if (range) {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${at(parent, field, index)}: ${t} needs an integer`);
    if (v < range[0] || v > range[1]) throw new RangeError(`${at(parent, field, index)}: ${v} is outside ${t}`);
    return v;
  }
  const longRange = LONG_RANGES[t];
  if (longRange) {
    // A safe integer in range goes as it is: protobufjs's writer takes a number for 64-bit fields
    // and splits it exactly (two's complement for negatives), without the bigint round trip.
    if (typeof v === 'number' && Number.isSafeInteger(v) && (v >= 0 || longRange[0] < 0n)) return v;
    const path = at(parent, field, index);
    let big: bigint;
    if (typeof v === 'bigint') big = v;
    else if (typeof v === 'number' && Number.isSafeInteger(v)) big = BigInt(v);
    else if (typeof v === 'string' && /^-?\d+$/.test(v)) big = BigInt(v);
    else throw new TypeError(`${path}: ${t} needs a safe integer, a bigint or decimal text`);
    if (big < longRange[0] || big > longRange[1]) throw new RangeError(`${path}: ${big} is outside ${t}`);
    // protobufjs's writer takes any {low, high} pair as 64 bits (two's complement).
    const bits = BigInt.asUintN(64, big);
    return { low: Number(bits & 0xffff_ffffn), high: Number(bits >> 32n), unsigned: t === 'uint64' || t === 'fixed64' };
  }
  switch (t) {
    case 'bool':
      if (typeof v !== 'boolean') throw new TypeError(`${at(parent, field, index)}: bool needs true or false`);
      return v;
    case 'string':
      if (typeof v !== 'string') throw new TypeError(`${at(parent, field, index)}: string needs text`);
      return v;
    case 'bytes': {
      const bytes = v instanceof Uint8Array ? v : typeof v === 'string' ? fromHex(v) : undefined;
      if (!bytes) throw new TypeError(`${at(parent, field, index)}: bytes needs a Uint8Array or hex text`);
      return bytes;
    }
    case 'float':
    case 'double':
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && v in NON_FINITE) return NON_FINITE[v];
      throw new TypeError(`${at(parent, field, index)}: ${t} needs a number`);
    default:
      throw new TypeError(`${at(parent, field, index)}: unsupported field type ${t}`);
  }
}
