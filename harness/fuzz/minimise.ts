/**
 * Shrinks a crashing input while it still crashes (issue 8: drop TLVs, then shrink bytes): each
 * TLV, then each field (sub-message fields included), then string and byte values halved while it still crashes; for raw
 * frames, chunks of bytes removed, halving the chunk down to one byte. `crashes` sends a candidate
 * and says whether the device stopped answering (bringing it back when it did); `tries` bounds
 * the power cycles a minimisation may cost.
 */
import type { Json, JsonObject } from '../csmp/value.js';
import type { FuzzInput, PostTlv } from './fuzz-input.js';

export async function minimise(input: FuzzInput, crashes: (candidate: FuzzInput) => Promise<boolean>, tries = 48): Promise<FuzzInput> {
  let left = tries;
  const attempt = async (candidate: FuzzInput): Promise<boolean> => left-- > 0 && (await crashes(candidate));
  return input.kind === 'post' ? { kind: 'post', tlvs: await shrinkPost(input.tlvs, attempt) } : { kind: 'inject', bytes: await shrinkBytes(input.bytes, attempt) };
}

async function shrinkPost(start: PostTlv[], crashes: (c: FuzzInput) => Promise<boolean>): Promise<PostTlv[]> {
  let tlvs = start;
  const still = (c: PostTlv[]): Promise<boolean> => crashes({ kind: 'post', tlvs: c });
  for (let i = tlvs.length - 1; i >= 0 && tlvs.length > 1; i--) {
    const without = tlvs.filter((_, j) => j !== i);
    if (await still(without)) tlvs = without;
  }
  for (let t = 0; t < tlvs.length; t++) {
    for (const path of fieldPaths(tlvs[t]!.fields)) {
      const candidate = replaceAt(tlvs, t, path, undefined);
      if (await still(candidate)) tlvs = candidate;
    }
    for (const path of fieldPaths(tlvs[t]!.fields)) {
      for (;;) {
        const v = valueAt(tlvs[t]!.fields, path);
        if (typeof v !== 'string' || v.length < 2) break;
        // Hex values must keep whole bytes.
        const half = /^([0-9a-f]{2})+$/.test(v) ? v.slice(0, Math.floor(v.length / 4) * 2) : v.slice(0, Math.floor(v.length / 2));
        const candidate = replaceAt(tlvs, t, path, half);
        if (!(await still(candidate))) break;
        tlvs = candidate;
      }
    }
  }
  return tlvs;
}

async function shrinkBytes(start: Uint8Array, crashes: (c: FuzzInput) => Promise<boolean>): Promise<Uint8Array> {
  let bytes = start;
  for (let chunk = Math.max(1, bytes.length >> 1); chunk >= 1; chunk >>= 1) {
    for (let at = bytes.length - chunk; at >= 0; at -= chunk) {
      const candidate = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + chunk)]);
      if (candidate.length && (await crashes({ kind: 'inject', bytes: candidate }))) bytes = candidate;
    }
    if (chunk === 1) break;
  }
  return bytes;
}

/** Paths of every field, deepest first (a sub-message's fields before the sub-message). */
function fieldPaths(o: JsonObject, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) out.push(...fieldPaths(v, [...prefix, k]));
    out.push([...prefix, k]);
  }
  return out;
}

function valueAt(o: JsonObject, path: string[]): Json | undefined {
  let v: Json | undefined = o;
  for (const k of path) v = typeof v === 'object' && v !== null && !Array.isArray(v) ? v[k] : undefined;
  return v;
}

/** The TLVs with the field at `path` of TLV t set to `value` (removed when undefined); a copy. */
function replaceAt(tlvs: PostTlv[], t: number, path: string[], value: Json | undefined): PostTlv[] {
  const copy = structuredClone(tlvs);
  let o = copy[t]!.fields;
  for (const k of path.slice(0, -1)) {
    const next = o[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) return copy;
    o = next;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete o[last];
  else o[last] = value;
  return copy;
}
