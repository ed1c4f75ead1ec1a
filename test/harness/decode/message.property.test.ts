/**
 * The whole receive path (IPv6 → UDP → CoAP → TLVs → values) on damaged real frames: it never
 * throws, and whatever stops it is a DecodeError of the layer that failed with a code from the
 * union — never 'internal', which would mean a decoder let another exception out.
 */
import fc from 'fast-check';
import type { DecodeLayer } from '../../../core/errors.js';
import { readPcapFile } from '../../../drivers/pcap/reader.js';
import { udpChecksum } from '../../../drivers/ip/udp.js';
import { decodeIpv6Message, layeredDecode } from '../../../harness/decode/message.js';
import { renderJsonLine } from '../../../harness/decode/json-line.js';
import { renderJson, renderText } from '../../../harness/decode/render.js';
import { checkDecodeError } from '../../support/errors.js';
import { VECTORS } from '../../support/vectors.js';

const frames = [...readPcapFile(`${VECTORS}/csmp_register.pcap`).records, ...readPcapFile(`${VECTORS}/csmp_get.pcap`).records.slice(0, 6)].map(
  (r) => r.ipv6!,
);
const PACKET_LAYERS: DecodeLayer[] = ['ipv6', 'udp', 'coap', 'tlv'];

interface Edit {
  kind: 'set' | 'cut' | 'insert';
  at: number;
  byte?: number;
  more?: Uint8Array;
}

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), more: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
);

function damaged(base: Uint8Array, edits: readonly Edit[], from: number): Uint8Array {
  let b = Array.from(base);
  for (const e of edits) {
    const span = b.length - from;
    if (span <= 0) break;
    const at = from + (e.at % span);
    if (e.kind === 'set') b[at] = e.byte!;
    else if (e.kind === 'cut') b = b.slice(0, at);
    else b.splice(at, 0, ...e.more!);
  }
  return Uint8Array.from(b);
}

describe('decodeIpv6Message on damaged real frames', () => {
  it('never throws; a fault is a DecodeError of its layer with a code of the union, inside the packet', () => {
    fc.assert(
      fc.property(fc.constantFrom(...frames), fc.array(edit, { minLength: 1, maxLength: 4 }), fc.boolean(), (frame, edits, tail) => {
        // Half the runs keep the 48 bytes of IPv6 and UDP headers whole, so CoAP and the TLVs see the damage.
        const b = damaged(frame, edits, tail ? 48 : 0);
        const m = decodeIpv6Message(b, { trailing: 'ignore' });
        if (m.error) {
          const e = checkDecodeError(m.error, PACKET_LAYERS, b.length);
          if (e.code === 'internal') throw new Error(`a decoder let a non-DecodeError out: ${e.message}`);
        }
        for (const t of m.tlvs) if (t.error) checkDecodeError(t.error, ['tlv-value'], b.length);
        renderText(m);
        renderJson(m);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the lean path and the layered decoder', () => {
  it('give the same message, error and views for every damaged frame, trailing bytes ignored or refused', () => {
    fc.assert(
      fc.property(fc.constantFrom(...frames), fc.array(edit, { minLength: 0, maxLength: 4 }), fc.boolean(), fc.boolean(), (frame, edits, tail, ignore) => {
        const b = damaged(frame, edits, tail ? 48 : 0);
        const opts = { trailing: ignore ? ('ignore' as const) : ('reject' as const) };
        expect(decodeIpv6Message(b, opts)).toStrictEqual(layeredDecode(b, opts));
      }),
      { numRuns: 3000 },
    );
  });

  it('agree on the reference frames; a checksum is judged from the bytes, as udpChecksum computes it', () => {
    for (const f of frames) {
      const m = decodeIpv6Message(f, { trailing: 'ignore' });
      expect(m).toStrictEqual(layeredDecode(f, { trailing: 'ignore' }));
      const seg = f.subarray(40, 40 + ((f[4]! << 8) | f[5]!));
      expect(m.udpChecksumOk).toBe(udpChecksum(seg, f.subarray(8, 24), f.subarray(24, 40)) === ((seg[6]! << 8) | seg[7]!));
    }
    // A frame carrying a right checksum, then one bit of its payload flipped.
    const right = frames.find((f) => decodeIpv6Message(f).udpChecksumOk === true)!;
    expect(right).toBeDefined();
    const flipped = Uint8Array.from(right);
    flipped[flipped.length - 1]! ^= 0x01;
    expect(decodeIpv6Message(flipped).udpChecksumOk).toBe(false);
    expect(layeredDecode(flipped, {}).udpChecksumOk).toBe(false);
  });
});

describe('renderJsonLine', () => {
  it('is JSON.stringify(renderJson(…)) byte for byte on damaged frames, with and without frame and time', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...frames),
        fc.array(edit, { minLength: 0, maxLength: 4 }),
        fc.option(fc.nat({ max: 10_000_000 }), { nil: undefined }),
        fc.option(fc.oneof(fc.double(), fc.integer({ min: 0, max: 4_102_444_800_000 })), { nil: undefined }),
        (frame, edits, index, time) => {
          const m = decodeIpv6Message(damaged(frame, edits, 48), { trailing: 'ignore' });
          const ctx = { ...(index !== undefined ? { frame: index } : {}), ...(time !== undefined ? { time } : {}) };
          expect(renderJsonLine(m, ctx)).toBe(JSON.stringify(renderJson(m, ctx)));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
