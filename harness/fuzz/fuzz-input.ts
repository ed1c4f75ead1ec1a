/**
 * One input `hil fuzz` sends a device: a signed POST of catalogue TLVs (field values in the suite
 * file's form, so a reproducer is a plain `post` step), or raw CoAP bytes sent like `inject`.
 */
import type { JsonObject } from '../csmp/value.js';
import { toHex } from '../../core/bytes.js';

export interface PostTlv {
  type: number;
  fields: JsonObject;
}

export type FuzzInput = { kind: 'post'; tlvs: PostTlv[] } | { kind: 'inject'; bytes: Uint8Array };

/** A stable text for an input: equal inputs, equal keys (findings are told apart by it). */
export function inputKey(input: FuzzInput): string {
  return input.kind === 'post' ? `post ${JSON.stringify(input.tlvs)}` : `inject ${toHex(input.bytes)}`;
}

/** How big an input is, for "the reproducer is smaller": TLVs and fields count, bytes count. */
export function inputSize(input: FuzzInput): number {
  if (input.kind === 'inject') return input.bytes.length;
  return JSON.stringify(input.tlvs).length;
}

export function describeInput(input: FuzzInput): string {
  return input.kind === 'post'
    ? `signed POST ${input.tlvs.map((t) => `${t.type} ${JSON.stringify(t.fields)}`).join(' + ')}`
    : `inject ${input.bytes.length} bytes: ${toHex(input.bytes)}`;
}
