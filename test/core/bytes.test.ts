import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { sameBytes } from '../../core/bytes.js';

describe('sameBytes', () => {
  it('is true for equal bytes, also in different buffers and views', () => {
    const backing = Uint8Array.of(9, 1, 2, 3, 9);
    expect(sameBytes(Uint8Array.of(1, 2, 3), backing.subarray(1, 4))).toBe(true);
    expect(sameBytes(new Uint8Array(0), Buffer.alloc(0))).toBe(true);
  });

  it('is false for a different byte, a different length, or an absent side', () => {
    expect(sameBytes(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4))).toBe(false);
    expect(sameBytes(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2))).toBe(false);
    expect(sameBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
    expect(sameBytes(undefined, Uint8Array.of(1))).toBe(false);
    expect(sameBytes(new Uint8Array(0), undefined)).toBe(false);
    expect(sameBytes(undefined, undefined)).toBe(false);
  });

  it('agrees with Buffer.equals on any two byte strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), fc.uint8Array({ maxLength: 16 }), (a, b) => {
        expect(sameBytes(a, b)).toBe(Buffer.from(a).equals(Buffer.from(b)));
        expect(sameBytes(a, a.slice())).toBe(true);
      }),
    );
  });
});
