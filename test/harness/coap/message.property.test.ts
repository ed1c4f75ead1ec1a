import fc from 'fast-check';
import { DecodeError } from '../../../core/errors.js';
import { decodeCoap, encodeCoap, encodeCoapWithOptions, type CoapMessage, type CoapOption, type CoapType } from '../../../harness/coap/message.js';
import { GET_EXCHANGES } from './vectors.js';
import { FND_RESPONSE_COAP, REGISTER_COAP } from '../../support/register-vector.js';
import { hexBytes } from '../../support/hex.js';
import { checkDecodeError } from '../../support/errors.js';

const utf8 = new TextEncoder();

/** Either a CoapMessage or a coap DecodeError with a code of the union, inside the datagram; anything else fails the property. */
function decodeOrDecodeError(bytes: Uint8Array): CoapMessage | DecodeError {
  try {
    return decodeCoap(bytes);
  } catch (e) {
    return checkDecodeError(e, ['coap'], bytes.length);
  }
}

const seeds = [REGISTER_COAP, FND_RESPONSE_COAP, ...GET_EXCHANGES.flatMap(([, q, r]) => [q, r])].map(hexBytes);

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(src: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = Uint8Array.from(src);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % (b.length + (m.kind === 'insert' ? 1 : 0));
    if (m.kind === 'flip' && b.length > 0) b[at] = b[at]! ^ (1 << m.bit);
    else if (m.kind === 'set' && b.length > 0) b[at] = m.byte;
    else if (m.kind === 'cut') b = b.slice(0, at);
    else if (m.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
  }
  return b;
}

// Header-heavy datagrams reach the option parser far more often than uniform noise.
const headerish = fc
  .tuple(fc.integer({ min: 0x40, max: 0x7f }), fc.uint8Array({ maxLength: 40 }))
  .map(([b0, rest]) => Uint8Array.from([b0, ...rest]));

const typeArb = fc.constantFrom<CoapType>('CON', 'NON', 'ACK', 'RST');
const detail = (cls: number, min: number) => fc.integer({ min, max: 31 }).map((d) => `${cls}.${String(d).padStart(2, '0')}`);
const nonEmptyCode = fc.oneof(detail(0, 1), detail(2, 0), detail(4, 0), detail(5, 0), detail(1, 0), detail(3, 0), detail(6, 0), detail(7, 0));
const otherOption = fc.record({
  number: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 0xffff })).filter((n) => n !== 11 && n !== 15),
  value: fc.oneof(fc.uint8Array({ maxLength: 14 }), fc.uint8Array({ maxLength: 300 })),
});
const segment = fc.string({ unit: 'grapheme', maxLength: 20 });

const validMessage: fc.Arbitrary<CoapMessage> = fc.oneof(
  fc.record({ type: typeArb, messageId: fc.integer({ min: 0, max: 0xffff }) }).map(
    ({ type, messageId }): CoapMessage => ({ type, code: '0.00', messageId, token: new Uint8Array(0), options: [], uriPath: [], uriQuery: [], payload: new Uint8Array(0) }),
  ),
  fc
    .record({
      type: typeArb,
      code: nonEmptyCode,
      messageId: fc.integer({ min: 0, max: 0xffff }),
      token: fc.uint8Array({ maxLength: 8 }),
      others: fc.array(otherOption, { maxLength: 5 }),
      uriPath: fc.array(segment, { maxLength: 4 }),
      uriQuery: fc.array(segment, { maxLength: 3 }),
      payload: fc.uint8Array({ maxLength: 200 }),
    })
    .map(({ others, ...m }): CoapMessage => {
      const options: CoapOption[] = [
        ...others,
        ...m.uriPath.map((s) => ({ number: 11, value: utf8.encode(s) })),
        ...m.uriQuery.map((s) => ({ number: 15, value: utf8.encode(s) })),
      ].sort((a, b) => a.number - b.number);
      return { ...m, options };
    }),
);

describe('decodeCoap properties', () => {
  test('arbitrary bytes give a CoapMessage or a DecodeError, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void decodeOrDecodeError(b)), { numRuns: 20_000 });
    fc.assert(fc.property(headerish, (b) => void decodeOrDecodeError(b)), { numRuns: 20_000 });
  });

  test('mutated documented messages give a CoapMessage or a DecodeError, nothing else', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ms) => void decodeOrDecodeError(mutate(seed, ms))),
      { numRuns: 20_000 },
    );
  });

  test('mutated generated messages give a CoapMessage or a DecodeError, nothing else', () => {
    fc.assert(
      fc.property(validMessage, fc.array(mutation, { minLength: 1, maxLength: 3 }), (m, ms) => void decodeOrDecodeError(mutate(encodeCoap(m), ms))),
      { numRuns: 5_000 },
    );
  });

  test('decode(encode(m)) deep-equals m for generated valid messages', () => {
    fc.assert(fc.property(validMessage, (m) => void expect(decodeCoap(encodeCoap(m))).toEqual(m)), { numRuns: 5_000 });
  });

  test('encodeCoapWithOptions writes what encodeCoap writes and reports the options decodeCoap would read back', () => {
    fc.assert(
      fc.property(validMessage, (m) => {
        const { bytes, options } = encodeCoapWithOptions(m);
        expect(bytes).toEqual(encodeCoap(m));
        expect(options).toEqual(decodeCoap(bytes).options);
      }),
      { numRuns: 2_000 },
    );
  });

  test('whatever decodes re-encodes to the same bytes (the wire form is canonical) when its path and query are UTF-8', () => {
    const reencodes = (b: Uint8Array): void => {
      const m = decodeOrDecodeError(b);
      if (m instanceof DecodeError) return;
      const textual = m.options.filter((o) => o.number === 11 || o.number === 15);
      const strings = [...m.uriPath, ...m.uriQuery];
      if (textual.some((o, i) => Buffer.compare(Buffer.from(utf8.encode(strings[i])), Buffer.from(o.value)) !== 0)) return;
      expect(encodeCoap(m)).toEqual(b);
    };
    fc.assert(fc.property(headerish, reencodes), { numRuns: 20_000 });
    fc.assert(fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 3 }), (s, ms) => reencodes(mutate(s, ms))), { numRuns: 10_000 });
  });
});
