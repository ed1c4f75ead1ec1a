/**
 * Structure-aware inputs for `hil fuzz`: input i is a pure function of (seed, i) and the corpus,
 * so a finding is reproduced from its index alone. Most inputs are valid writable TLVs from the
 * catalogue with fields dropped or set to the values firmware mishandles (0, all ones, empty and
 * over-long strings, missing sub-messages), typed by the TLV's protobuf schema so every one
 * encodes and gets past the device's parser to its handlers; the rest are CoAP frames (requests
 * built here, or captured ones) mutated byte by byte, aimed at the parsers themselves.
 */
import type protobuf from 'protobufjs';
import { encodeCoap } from '../coap/message.js';
import { buildPayload } from '../csmp/payload.js';
import { messageTypeFor } from '../csmp/registry.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { Json, JsonObject } from '../csmp/value.js';
import { fuzzInput, prng } from './byte-mutation.js';
import type { FuzzInput, PostTlv } from './fuzz-input.js';

const HASH = '00'.repeat(32);

/**
 * Writable TLVs a lab would throw at firmware, valid as written: the mutations start from inputs
 * the device accepts. Nothing that reboots into new firmware (LoadRequest) or floods the link
 * (ReportSubscribe with a short interval) — the fuzzer must not make a healthy device look dead.
 */
export const POST_SEEDS: readonly PostTlv[] = [
  {
    type: TLV.TransferRequest,
    fields: { hwInfo: { hwId: 'RFLAN/3.60/3.80', vendorHwId: 'fuzz' }, fileHash: HASH, fileName: 'fuzz', version: '0.0.1', fileSize: 1024, blockSize: 1024 },
  },
  { type: TLV.GroupAssign, fields: { type: 2, id: 7 } },
  { type: TLV.SetBackupRequest, fields: { fileHash: HASH } },
  { type: TLV.CancelLoadRequest, fields: { fileHash: HASH } },
];

const UINTS: readonly number[] = [0, 1, 0x7f, 0x80, 0xffff, 0x7fffffff, 0xffffffff];
const STRINGS: readonly string[] = ['', 'A'.repeat(250), '%s%s%n', '\u0000', 'é'];
const BYTES: readonly string[] = ['', '00', 'ff'.repeat(64), '00'.repeat(31)];

/** The frames byte mutation starts from: a GET and each seed as an unsigned POST (parsers see them before any signature check). */
export function defaultFrames(): Uint8Array[] {
  const get = encodeCoap({ type: 'CON', code: '0.01', messageId: 0x7f00, token: Uint8Array.of(0xf2), uriPath: ['c'], uriQuery: ['q=11'] });
  const posts = POST_SEEDS.map((s, i) =>
    encodeCoap({ type: 'CON', code: '0.02', messageId: 0x7f01 + i, token: Uint8Array.of(0xf3), uriPath: ['c'], payload: buildPayload([{ type: s.type, fields: s.fields }], { lengthStyle: 'minimal' }) }),
  );
  return [get, ...posts];
}

export interface MutatorCorpus {
  /** CoAP messages the byte mutation starts from (defaultFrames, plus captured ones). */
  frames: readonly Uint8Array[];
}

/** Input `index` of the campaign `seed`. */
export function fuzzInputAt(seed: number, index: number, corpus: MutatorCorpus): FuzzInput {
  const r = prng((Math.imul(seed ^ 0x5bd1e995, 0x01000193) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const int = (n: number): number => Math.floor(r() * n);
  if (r() < 0.3) return { kind: 'inject', bytes: fuzzInput(corpus.frames, int(0x7fffffff), index) };
  const tlvs = [structuredClone(POST_SEEDS[int(POST_SEEDS.length)]!)];
  if (r() < 0.25) {
    const other = POST_SEEDS[int(POST_SEEDS.length)]!;
    if (other.type !== tlvs[0]!.type) tlvs.push(structuredClone(other));
  }
  const rounds = 1 + int(3);
  for (let k = 0; k < rounds; k++) {
    const tlv = tlvs[int(tlvs.length)]!;
    mutateFields(tlv.fields, messageTypeFor(tlv.type)!, int, r);
  }
  return { kind: 'post', tlvs };
}

function mutateFields(fields: JsonObject, type: protobuf.Type, int: (n: number) => number, r: () => number): void {
  const present = Object.keys(fields);
  if (present.length && r() < 0.4) {
    const name = present[int(present.length)]!;
    const inner = fields[name];
    // Half the time reach into a sub-message (hwInfo's hwId) rather than dropping it whole.
    if (isObject(inner) && r() < 0.5) {
      const sub = type.fields[name]!.resolve().resolvedType as protobuf.Type;
      mutateFields(inner, sub, int, r);
    } else {
      delete fields[name];
    }
    return;
  }
  const all = type.fieldsArray;
  const f = all[int(all.length)]!.resolve();
  fields[f.name] = extreme(f, int);
}

function extreme(f: protobuf.Field, int: (n: number) => number): Json {
  if (f.resolvedType && 'fields' in f.resolvedType) return {};
  switch (f.type) {
    case 'string':
      return STRINGS[int(STRINGS.length)]!;
    case 'bytes':
      return BYTES[int(BYTES.length)]!;
    case 'bool':
      return int(2) === 1;
    default:
      return UINTS[int(UINTS.length)]!;
  }
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
