/**
 * The chunked record reader: whatever way a capture's bytes are split into chunks (a pipe hands
 * over 64 KiB, a socket a datagram, a slow writer one byte), the records and the damage are
 * exactly those of the whole file read at once.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecodeError } from '../../../core/errors.js';
import { readPcapPartial } from '../../../drivers/pcap/reader.js';
import { CaptureRecordReader } from '../../../drivers/pcap/record-reader.js';
import type { PcapRecord } from '../../../drivers/pcap/record.js';
import { VECTORS } from '../support/helpers.js';
import { handBuilt } from '../support/pcapng-blocks.js';

/** Records as plain values: the reader's views are only valid during the callback. */
const plain = (r: PcapRecord) => ({ ...r, data: Buffer.from(r.data).toString('hex'), ipv6: r.ipv6 && Buffer.from(r.ipv6).toString('hex') });

function chunked(bytes: Uint8Array, cuts: number[]) {
  const records: ReturnType<typeof plain>[] = [];
  const reader = new CaptureRecordReader((r) => records.push(plain(r)));
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let error: DecodeError | undefined;
  try {
    let from = 0;
    for (const c of [...at, bytes.length]) {
      reader.push(bytes.slice(from, c));
      from = c;
    }
    reader.end();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    error = e;
  }
  return { records, error: error && { layer: error.layer, offset: error.offset, code: error.code, reason: error.reason } };
}

function whole(bytes: Uint8Array) {
  const r = readPcapPartial(bytes);
  const e = r.error;
  return { records: (r.file?.records ?? []).map(plain), error: e && { layer: e.layer, offset: e.offset, code: e.code, reason: e.reason } };
}

const classic = readFileSync(join(VECTORS, 'csmp_get.pcap'));
const ng = handBuilt();

describe('CaptureRecordReader', () => {
  test('one byte at a time reads csmp_get.pcap record for record', () => {
    const r = chunked(classic, Array.from({ length: classic.length }, (_, i) => i));
    expect(r.error).toBeUndefined();
    expect(r.records).toHaveLength(36);
    expect(r).toEqual(whole(classic));
  });

  test.each([
    ['classic', classic],
    ['pcapng', ng],
  ])('%s: any split of any cut or mutated file decodes as the whole (property)', (_, file) => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), (cuts, cut, sets) => {
        const b = Uint8Array.from(file.subarray(0, cut % (file.length + 1)));
        for (const [at, v] of sets) if (b.length) b[at % b.length] = v;
        expect(chunked(b, cuts)).toEqual(whole(b));
      }),
      { numRuns: 300 },
    );
  });

  test('damage is delivered once: the records before it, then the error, and any later push throws it again', () => {
    const cut = classic.subarray(0, 300);
    const seen: number[] = [];
    const reader = new CaptureRecordReader((r) => seen.push(r.index));
    reader.push(cut);
    expect(seen).toEqual([1, 2]);
    let first: unknown;
    try {
      reader.end();
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(DecodeError);
    expect((first as DecodeError).message).toBe('pcap: record 3: truncated (header says 664 bytes, 21 remain) at byte 263');
    expect(() => reader.push(new Uint8Array(1))).toThrow(first as Error);
  });

  test('a record cut by the chunk boundary waits: offset stays at its header until the rest arrives', () => {
    const [second, third] = readPcapPartial(classic).file!.records.slice(1, 3).map((r) => r.offset) as [number, number];
    const seen: number[] = [];
    const reader = new CaptureRecordReader((r) => seen.push(r.index));
    reader.push(classic.subarray(0, second + 1));
    expect([seen, reader.offset]).toEqual([[1], second]);
    reader.push(classic.subarray(second + 1, third));
    expect([seen, reader.offset]).toEqual([[1, 2], third]);
  });
});
