/**
 * Property tests for every CSMP decoder: arbitrary and mutated bytes give a value or a
 * DecodeError of the decoder's layer with a code from the union, never another exception;
 * encoders round-trip. fast-check prints the seed and the
 * shrunk counter-example of any failure; replay with { seed, path } in fc.assert.
 */
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { DECODE_ERROR_CODES, DecodeError, type DecodeLayer } from '../../../core/errors.js';
import { buildSignatureValue, ecdsaDerFromIntegers, parseSignatureValue } from '../../../harness/csmp/asn1.js';
import { formatPayload } from '../../../harness/csmp/format.js';
import { decodePayload } from '../../../harness/csmp/payload.js';
import { allTlvs, messageTypeFor } from '../../../harness/csmp/registry.js';
import { decodeTlvs, encodeTlvs, scanTlvs, type TlvInput } from '../../../harness/csmp/tlv.js';
import { formatTlvId, parseTlvId, parseTlvIdList, type TlvId } from '../../../harness/csmp/tlv-id.js';
import { decodeValue, encodeValue, toJson, type FieldMap } from '../../../harness/csmp/value.js';
import { encodeVarint, readVarint, varintSize } from '../../../harness/csmp/varint.js';
import {
  GET_TLVINDEX_PAYLOAD,
  SIG_VECTOR_PAYLOAD,
  VENDOR_TLV_SUBTYPE1,
} from './vectors.js';
import { FND_RESPONSE_PAYLOAD, FND_SIGNATURE_VALUE, REGISTER_PAYLOAD } from '../../support/register-vector.js';
import { hexBytes } from '../../support/hex.js';
import { checkDecodeError } from '../../support/errors.js';

const bytes = (maxLength = 64) => fc.uint8Array({ maxLength });
const uint32 = fc.integer({ min: 0, max: 0xffffffff });

/** Runs `fn` and accepts a result or a DecodeError of `layers` with a code of the union; anything else fails the property. */
function valueOrDecodeError<T>(fn: () => T, ...layers: DecodeLayer[]): T | DecodeError {
  try {
    return fn();
  } catch (e) {
    return checkDecodeError(e, layers);
  }
}

/** Byte-level damage to a real frame: flips, cuts, insertions, deletions. */
function mutated(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), more: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let b = Array.from(base);
    for (const e of edits) {
      const at = b.length === 0 ? 0 : e.at % b.length;
      if (e.kind === 'flip' && b.length) b[at] = b[at]! ^ (1 << e.bit);
      else if (e.kind === 'set' && b.length) b[at] = e.byte;
      else if (e.kind === 'cut') b = b.slice(0, at);
      else if (e.kind === 'insert') b.splice(at, 0, ...e.more);
      else if (e.kind === 'delete') b.splice(at, e.n);
    }
    return Uint8Array.from(b);
  });
}

const realPayloads = [REGISTER_PAYLOAD, FND_RESPONSE_PAYLOAD, GET_TLVINDEX_PAYLOAD, SIG_VECTOR_PAYLOAD, VENDOR_TLV_SUBTYPE1.repeat(2)].map(hexBytes);
const anyRealMutation = fc.constantFrom(...realPayloads).chain(mutated);

describe('varint', () => {
  it('any bytes at any offset: a 32-bit value or DecodeError(tlv)', () => {
    fc.assert(
      fc.property(bytes(16), fc.nat(20), (b, offset) => {
        const r = valueOrDecodeError(() => readVarint(b, offset), 'tlv');
        if (r instanceof DecodeError) {
          expect(r.offset).toBe(offset);
        } else {
          expect(r.value).toBeLessThanOrEqual(0xffffffff);
          expect(r.length).toBeGreaterThanOrEqual(1);
          expect(offset + r.length).toBeLessThanOrEqual(b.length);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('write then read returns the value at any width from minimal to 10', () => {
    fc.assert(
      fc.property(uint32, fc.integer({ min: 0, max: 9 }), (value, extra) => {
        const width = Math.min(10, varintSize(value) + extra);
        const encoded = encodeVarint(value, width);
        expect(readVarint(encoded, 0)).toEqual({ value, length: width });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('TLV framing', () => {
  const tlvInput: fc.Arbitrary<TlvInput> = fc.oneof(
    fc.record({ type: fc.integer({ min: 0, max: 20000 }).filter((t) => t !== 127), value: bytes(40) }),
    fc.record({ type: fc.constant(127), vendor: fc.record({ pen: uint32, vendorType: uint32 }), value: bytes(40) }),
  );

  it('any bytes: TLVs inside the payload, or DecodeError(tlv) within it', () => {
    fc.assert(
      fc.property(bytes(80), (b) => {
        const r = valueOrDecodeError(() => decodeTlvs(b), 'tlv');
        if (r instanceof DecodeError) {
          expect(r.offset).toBeGreaterThanOrEqual(0);
          expect(r.offset).toBeLessThanOrEqual(b.length);
          return;
        }
        let end = 0;
        for (const t of r) {
          expect(t.offset).toBe(end);
          end = t.valueOffset + t.value.length;
        }
        expect(end).toBe(b.length);
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated real frames: scanTlvs never throws and agrees with decodeTlvs', () => {
    fc.assert(
      fc.property(anyRealMutation, (b) => {
        const scan = scanTlvs(b);
        const r = valueOrDecodeError(() => decodeTlvs(b), 'tlv');
        if (r instanceof DecodeError) expect(scan.error).toEqual(r);
        else expect(scan).toEqual({ tlvs: r });
      }),
      { numRuns: 1500 },
    );
  });

  it('decode(encode(tlvs)) gives the same TLVs in every length style', () => {
    fc.assert(
      fc.property(fc.array(tlvInput, { maxLength: 6 }), fc.constantFrom('minimal', 'agent', 'preserve') as fc.Arbitrary<'minimal' | 'agent' | 'preserve'>, (tlvs, lengthStyle) => {
        const decoded = decodeTlvs(encodeTlvs(tlvs, { lengthStyle }));
        expect(decoded.map((t) => ({ type: t.type, ...(t.vendor ? { vendor: t.vendor } : {}), value: t.value }))).toEqual(tlvs);
        if (lengthStyle === 'agent') expect(decoded.every((t) => t.lengthBytes === 2)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('encode(decode(x)) == x for canonical frames (minimal types, any length width kept by preserve)', () => {
    fc.assert(
      fc.property(fc.array(tlvInput, { maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 6, maxLength: 6 }), (tlvs, widths) => {
        const framed = encodeTlvs(
          tlvs.map((t, i) => ({ ...t, lengthBytes: widths[i] })),
          { lengthStyle: 'preserve' },
        );
        expect(encodeTlvs(decodeTlvs(framed), { lengthStyle: 'preserve' })).toEqual(framed);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('TLV values, for every TLV of the registry', () => {
  const schemaTlvs = allTlvs().filter((t) => messageTypeFor(t.id));

  it('arbitrary bytes as the value of each TLV: a value or DecodeError(tlv-value), never a throw', () => {
    for (const t of schemaTlvs) {
      fc.assert(
        fc.property(bytes(48), (value) => {
          const d = decodeValue({ type: t.id, vendor: vendorOf(t.id), value, valueOffset: 10 });
          expect(d.raw).toBe(value);
          if (d.value === undefined) {
            expect(d.error).toBeInstanceOf(DecodeError);
            expect(d.error!.layer).toBe('tlv-value');
            expect(DECODE_ERROR_CODES).toContain(d.error!.code);
            expect(d.error!.offset).toBeGreaterThanOrEqual(10);
            expect(d.error!.offset).toBeLessThanOrEqual(10 + value.length);
          } else {
            expect(d.error).toBeUndefined();
          }
        }),
        { numRuns: 60 },
      );
    }
  });

  it('mutated real frames through framing, values, JSON and the printer never throw', () => {
    fc.assert(
      fc.property(anyRealMutation, (b) => {
        const { tlvs, error } = decodePayload(b);
        if (error) checkDecodeError(error, ['tlv'], b.length);
        for (const d of tlvs) {
          if (d.error) checkDecodeError(d.error, ['tlv-value'], b.length);
          const j = toJson(d);
          expect(j.value !== undefined || j.error !== undefined || !messageTypeFor(d.type, d.vendor)).toBe(true);
        }
        expect(typeof formatPayload(b)).toBe('string');
      }),
      { numRuns: 1000 },
    );
  });

  it('decode(encode(v)) deep-equals v and encode(decode(x)) == x, also through JSON', () => {
    for (const t of schemaTlvs) {
      const type = messageTypeFor(t.id)!;
      fc.assert(
        fc.property(messageArbitrary(type, 0), (v) => {
          const encoded = encodeValue(t.id, v);
          const d = decodeValue({ type: t.id, vendor: vendorOf(t.id), value: encoded });
          expect(d.error).toBeUndefined();
          expect(d.value).toEqual(v);
          expect(encodeValue(t.id, d.value!)).toEqual(encoded);
          expect(encodeValue(t.id, toJson(d).value!)).toEqual(encoded);
        }),
        { numRuns: 25 },
      );
    }
  });
});

describe('ASN.1 signature wrapper', () => {
  it('arbitrary bytes: a parse or DecodeError(asn1)', () => {
    fc.assert(
      fc.property(bytes(96), (b) => {
        valueOrDecodeError(() => parseSignatureValue(b), 'asn1');
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated real wrappers: a parse or DecodeError(asn1) inside the value', () => {
    fc.assert(
      fc.property(mutated(hexBytes(FND_SIGNATURE_VALUE)), (b) => {
        const r = valueOrDecodeError(() => parseSignatureValue(b), 'asn1');
        if (r instanceof DecodeError) expect(r.offset).toBeLessThanOrEqual(Math.max(b.length, 88));
      }),
      { numRuns: 2000 },
    );
  });

  it('build(r, s) then parse returns the DER integers', () => {
    const int = fc.uint8Array({ minLength: 1, maxLength: 32 });
    fc.assert(
      fc.property(int, int, (r, s) => {
        const ecdsaDer = ecdsaDerFromIntegers(r, s);
        const parsed = parseSignatureValue(buildSignatureValue(ecdsaDer));
        expect(parsed.ecdsaDer).toEqual(ecdsaDer);
        expect(bigintOf(parsed.r)).toBe(bigintOf(r));
        expect(bigintOf(parsed.s)).toBe(bigintOf(s));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('TLV ids as text', () => {
  const tlvId: fc.Arbitrary<TlvId> = fc.oneof(
    fc.record({ type: uint32 }),
    fc.record({ type: fc.constant(127), vendor: fc.record({ pen: uint32, vendorType: uint32 }) }),
  );

  it('any text: ids or DecodeError(tlv)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.boolean(), (text, lenient) => {
        valueOrDecodeError(() => parseTlvId(text, { lenient }), 'tlv');
        valueOrDecodeError(() => parseTlvIdList(text, { lenient }), 'tlv');
      }),
      { numRuns: 2000 },
    );
  });

  it('format then parse returns the ids, with any separator', () => {
    fc.assert(
      fc.property(fc.array(tlvId, { maxLength: 5 }), fc.constantFrom(' ', '+', '%20'), (ids, sep) => {
        expect(parseTlvIdList(ids.map(formatTlvId).join(sep))).toEqual(ids);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---- value generators built from the schema ----

/** Vendor TLVs carry the agent's vendor id, or they frame in the draft layout and stay raw. */
function vendorOf(type: number) {
  return type === 127 ? { pen: 5771, vendorType: 127 } : undefined;
}

function bigintOf(b: Uint8Array): bigint {
  return b.reduce((acc, x) => acc * 256n + BigInt(x), 0n);
}

const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64 = { min: 0n, max: 2n ** 64n - 1n };
const plain64 = (b: bigint) => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b);

function scalarArbitrary(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return fc.integer({ min: -0x80000000, max: 0x7fffffff });
    case 'uint32':
    case 'fixed32':
      return uint32;
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return fc.bigInt(INT64).map(plain64);
    case 'uint64':
    case 'fixed64':
      return fc.bigInt(UINT64).map(plain64);
    case 'bool':
      return fc.boolean();
    case 'string':
      return fc.string({ unit: 'grapheme', maxLength: 12 });
    case 'bytes':
      return fc.uint8Array({ maxLength: 12 });
    case 'float':
      return fc.float();
    case 'double':
      return fc.double();
    default:
      throw new Error(`no arbitrary for ${type}`);
  }
}

function messageArbitrary(type: protobuf.Type, depth: number): fc.Arbitrary<FieldMap> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of type.fieldsArray) {
    f.resolve();
    if (f.resolvedType instanceof protobuf.Type && depth >= 3) continue;
    const one = f.resolvedType instanceof protobuf.Type ? messageArbitrary(f.resolvedType, depth + 1) : scalarArbitrary(f.type);
    fields[f.name] = f.repeated ? fc.array(one, { minLength: 1, maxLength: 3 }) : one;
  }
  // Each field independently present or absent: absence must survive the round trip.
  return fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<FieldMap>;
}
