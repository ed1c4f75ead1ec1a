/**
 * The whole receive path (IPv6 → UDP → CoAP → TLVs → values) on damaged real frames: it never
 * throws, and whatever stops it is a DecodeError of the layer that failed with a code from the
 * union — never 'internal', which would mean a decoder let another exception out.
 */
import fc from 'fast-check';
import type { DecodeLayer } from '../../../core/errors.js';
import { readPcapFile } from '../../../drivers/pcap/reader.js';
import { decodeIpv6Message } from '../../../harness/decode/message.js';
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
