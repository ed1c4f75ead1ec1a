/**
 * pcapng as Wireshark writes it: the FND captures converted by editcap must read exactly as the
 * classic files do, and a hand-built file using the rarer parts (big-endian section, nanosecond
 * and power-of-two resolutions, a timestamp offset, simple packet blocks, skipped blocks, a second
 * section) must read as tshark reads it.
 */
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { DecodeError } from '../../../core/errors.js';
import { readPcap, readPcapFile, readPcapPartial } from '../../../drivers/pcap/reader.js';
import { checkDecodeError, expectErrorLike } from '../../support/errors.js';
import { FRAME5, VECTORS } from '../support/helpers.js';
import { epb, handBuilt, shb } from '../support/pcapng-blocks.js';

const tool = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
const editcap = tool('editcap');
const tshark = tool('tshark');
if (!editcap || !tshark) console.warn('pcapng.test.ts: editcap/tshark checks skipped: apt-get install tshark');

describe('pcapng', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-pcapng-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  (editcap ? test : test.skip).each(['csmp_get.pcap', 'csmp_register.pcap'])('%s converted by editcap reads record for record like the classic file', async (name) => {
    const out = join(dir, `${name}ng`);
    await execa(editcap, ['-F', 'pcapng', join(VECTORS, name), out]);
    const classic = readPcapFile(join(VECTORS, name));
    const ng = readPcapFile(out);
    expect([ng.format, ng.linkType, ng.littleEndian, ng.nanosecond]).toEqual(['pcapng', classic.linkType, true, false]);
    const strip = (r: (typeof ng.records)[number]) => ({ index: r.index, time: r.time, linkType: r.linkType, ipv6: r.ipv6, capturedLength: r.capturedLength, originalLength: r.originalLength });
    expect(ng.records.map(strip)).toEqual(classic.records.map(strip));
  });

  test('the hand-built file: both sections, every resolution and block kind', () => {
    const f = readPcap(handBuilt());
    expect([f.format, f.linkType, f.littleEndian, f.nanosecond]).toEqual(['pcapng', 101, false, true]);
    expect(f.records.map((r) => [r.index, r.time, r.linkType, r.skippedReason])).toEqual([
      [1, 1608184619000 + 929776123 * 1e-6, 101, undefined],
      [2, undefined, 101, undefined],
      [3, 1608184620500, 229, undefined],
    ]);
    for (const r of f.records) expect(r.ipv6).toEqual(FRAME5);
  });

  (tshark ? test : test.skip)('tshark reads the hand-built file the same way', async () => {
    const file = join(dir, 'hand.pcapng');
    writeFileSync(file, handBuilt());
    const r = await execa(tshark, ['-n', '-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'ipv6.src', '-e', 'udp.dstport']);
    const rows = r.stdout.split('\n').map((l) => l.split('\t'));
    expect(rows.map((x) => [x[0], x[2], x[3]])).toEqual([
      ['1', '2018::2', '61628'],
      ['2', '2018::2', '61628'],
      ['3', '2018::2', '61628'],
    ]);
    // tshark prints ns; ours are ms as doubles.
    expect(Number(rows[0]![1]) * 1000).toBeCloseTo(1608184619929.776, 3);
    expect(Number(rows[2]![1]) * 1000).toBe(1608184620500);
  });

  test('a file cut inside a block keeps the records before it and names the block', () => {
    const whole = handBuilt();
    const f = readPcap(whole);
    const third = f.records[2]!.offset;
    const r = readPcapPartial(whole.subarray(0, third + 20));
    expect(r.file?.records.map((x) => x.index)).toEqual([1, 2]);
    expectErrorLike(r.error, DecodeError, { layer: 'pcapng', code: 'truncated', offset: third });
    expect(r.error?.reason.startsWith('block type 6: ')).toBe(true);
  });

  test('damage is a pcapng DecodeError naming what and where', () => {
    const err = (b: Uint8Array) => readPcapPartial(b).error;
    const good = handBuilt();
    const badBom = Buffer.from(good);
    badBom.writeUInt32BE(0x01020304, 8);
    expect(err(badBom)?.message).toBe('pcapng: bad byte-order magic 0x04030201 at byte 8');
    const badTail = Buffer.from(good);
    badTail.writeUInt32BE(0, shb(false).length - 4);
    expectErrorLike(err(badTail), DecodeError, { layer: 'pcapng', code: 'inconsistent', offset: 24 });
    const noIface = Buffer.concat([shb(true), epb(0, 0n, FRAME5, true)]);
    expectErrorLike(err(noIface), DecodeError, { layer: 'pcapng', code: 'inconsistent', offset: 36 });
    expectErrorLike(err(Uint8Array.from([0x0a, 0x0d, 0x0d, 0x0a, ...new Uint8Array(40)])), DecodeError, { layer: 'pcapng', code: 'bad-value', offset: 8 });
    const v2 = Buffer.from(good);
    v2.writeUInt16LE(2, 12);
    expectErrorLike(err(v2), DecodeError, { layer: 'pcapng', code: 'unsupported', offset: 12 });
  });

  test('random and mutated files: records or a pcap/pcapng DecodeError, never another exception', () => {
    const real = handBuilt();
    const check = (b: Uint8Array) => {
      const r = readPcapPartial(b);
      // An empty or cut-to-nothing file is not recognisably pcapng; the classic reader says so.
      if (r.error) checkDecodeError(r.error, ['pcap', 'pcapng'], b.length);
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => check(Buffer.concat([shb(true), Buffer.from(tail)]))), { numRuns: 500 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(), (sets, cut) => {
        const b = Uint8Array.from(real);
        for (const [at, v] of sets) b[at % b.length] = v;
        check(b.subarray(0, cut % (b.length + 1)));
      }),
      { numRuns: 1000 },
    );
  });
});
