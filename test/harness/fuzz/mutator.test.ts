import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { DecodeError } from '../../../core/errors.js';
import { decodeCoap } from '../../../harness/coap/message.js';
import { decodePayload } from '../../../harness/csmp/payload.js';
import { TLV } from '../../../harness/csmp/tlv-ids.js';
import { inputBytes } from '../../../harness/fuzz/fuzz-reports.js';
import { inputKey, type FuzzInput } from '../../../harness/fuzz/fuzz-input.js';
import { minimise } from '../../../harness/fuzz/minimise.js';
import { defaultFrames, fuzzInputAt, POST_SEEDS } from '../../../harness/fuzz/mutator.js';

const corpus = { frames: defaultFrames() };
const seed = fc.integer({ min: 0, max: 0xffffffff });
const index = fc.nat(100_000);

describe('fuzzInputAt', () => {
  test('input i is a function of (seed, i) alone: asked again, in any order, it is the same', () => {
    fc.assert(
      fc.property(seed, fc.array(index, { minLength: 1, maxLength: 8 }), (s, indices) => {
        const first = indices.map((i) => inputKey(fuzzInputAt(s, i, corpus)));
        const again = [...indices].reverse().map((i) => inputKey(fuzzInputAt(s, i, corpus))).reverse();
        expect(again).toEqual(first);
      }),
    );
  });

  test('a POST input encodes, and its payload decodes back to the same TLV types with no value error', () => {
    fc.assert(
      fc.property(seed, index, (s, i) => {
        const input = fuzzInputAt(s, i, corpus);
        if (input.kind !== 'post') return;
        const decoded = decodePayload(inputBytes(input));
        expect(decoded.error).toBeUndefined();
        expect(decoded.tlvs.map((t) => t.type)).toEqual(input.tlvs.map((t) => t.type));
        for (const t of decoded.tlvs) expect(t.error).toBeUndefined();
      }),
    );
  });

  test('a raw frame decodes as CoAP or is refused with a DecodeError, never anything else', () => {
    fc.assert(
      fc.property(seed, index, (s, i) => {
        const input = fuzzInputAt(s, i, corpus);
        if (input.kind !== 'inject') return;
        try {
          decodeCoap(input.bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
    );
  });

  test('seed 2 drops hwInfo from a TransferRequest first at input 31 (the CLI test finds the crash there)', () => {
    const first = Array.from({ length: 40 }, (_, i) => fuzzInputAt(2, i, corpus)).findIndex(
      (x) => x.kind === 'post' && x.tlvs.some((t) => t.type === TLV.TransferRequest && !('hwInfo' in t.fields)),
    );
    expect(first).toBe(31);
  });

  test('mixes both kinds: of 1000 inputs, between 20 % and 40 % are raw frames', () => {
    const raw = Array.from({ length: 1000 }, (_, i) => fuzzInputAt(11, i, corpus)).filter((x) => x.kind === 'inject').length;
    expect(raw).toBeGreaterThan(200);
    expect(raw).toBeLessThan(400);
  });
});

describe('minimise', () => {
  const transfer = POST_SEEDS.find((s) => s.type === TLV.TransferRequest)!;
  const noHwInfo = (c: FuzzInput): boolean => c.kind === 'post' && c.tlvs.some((t) => t.type === TLV.TransferRequest && !('hwInfo' in t.fields));

  test('drops the other TLVs, then every field the crash does not need', async () => {
    const { hwInfo: _, ...rest } = transfer.fields;
    const input: FuzzInput = { kind: 'post', tlvs: [{ type: TLV.GroupAssign, fields: { type: 2, id: 7 } }, { type: TLV.TransferRequest, fields: rest }] };
    const tried: string[] = [];
    const out = await minimise(input, async (c) => (tried.push(inputKey(c)), noHwInfo(c)));
    expect(out).toEqual({ kind: 'post', tlvs: [{ type: TLV.TransferRequest, fields: {} }] });
    expect(tried.length).toBeLessThanOrEqual(48);
  });

  test('keeps what the crash needs: a crash on a long fileName keeps a fileName, halved while it crashes', async () => {
    const input: FuzzInput = { kind: 'post', tlvs: [{ type: TLV.TransferRequest, fields: { ...transfer.fields, fileName: 'A'.repeat(40) } }] };
    const out = await minimise(input, async (c) => c.kind === 'post' && String(c.tlvs[0]?.fields['fileName'] ?? '').length >= 10);
    expect(out).toEqual({ kind: 'post', tlvs: [{ type: TLV.TransferRequest, fields: { fileName: 'A'.repeat(10) } }] });
  });

  test('shrinks a raw frame to the bytes the crash needs', async () => {
    const frame = Uint8Array.from([0x40, 0x02, 0x7e, 0x01, 0xb1, 0x63, 0xff, 0x7f, 0x06, 0x09, 0x01, 0x00]);
    const out = await minimise({ kind: 'inject', bytes: frame }, async (c) => c.kind === 'inject' && c.bytes.includes(0x7f) && c.bytes.includes(0x09));
    expect(out.kind === 'inject' && [...out.bytes]).toEqual([0x7f, 0x09]);
  });

  test('stops after its budget of tries', async () => {
    let tries = 0;
    await minimise({ kind: 'inject', bytes: new Uint8Array(64) }, async () => (tries++, true), 5);
    expect(tries).toBe(5);
  });
});
