/** hil decode's filters, tallies, --pcap and --follow, in process against the reference captures. */
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcap } from '../../../drivers/pcap/reader.js';
import { runDecode, type DecodeOptions } from '../../../harness/cli/commands/decode.js';
import { parseEui64 } from '../../../harness/decode/filter.js';
import { parseTimeSpan } from '../../../harness/decode/time-span.js';
import { epb, idb, option, shb, u } from '../../drivers/support/pcapng-blocks.js';
import { FRAME5 } from '../../drivers/support/helpers.js';
import { VECTORS } from '../../support/vectors.js';

const GET = join(VECTORS, 'csmp_get.pcap');

async function decode(file: string, opts: Partial<DecodeOptions> = {}, signal?: AbortSignal, onText?: (all: string) => void) {
  let text = '';
  const err: string[] = [];
  const out = { write: (s: Uint8Array) => ((text += Buffer.from(s).toString('utf8')), onText?.(text), true), once: () => undefined };
  const code = await runDecode(file, { ports: '61628,61624', ...opts }, { out, err: (s) => err.push(s), signal });
  return { code, lines: text === '' ? [] : text.replace(/\n$/, '').split('\n'), err };
}

const frames = async (file: string, opts: Partial<DecodeOptions>) => (await decode(file, { ...opts, json: true })).lines.map((l) => JSON.parse(l).frame as number);

describe('hil decode filters', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hil-decode-f-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('--device by EUI-64 matches once the DeviceID has named the address; by address at once', async () => {
    // Frame 1 (GET before any DeviceID) and its answer cannot be tied to the EUI yet.
    expect(await frames(GET, { device: '0A-00-27-FF-FE-3B-2A-B2' })).toEqual(Array.from({ length: 34 }, (_, i) => i + 3));
    expect(await frames(GET, { device: '2018::188' })).toHaveLength(36);
    expect(await frames(GET, { device: '2018::99' })).toEqual([]);
  });

  test('--device takes an EUI-64 in colon, dash, dotted or bare form alike; a malformed one is refused naming it', async () => {
    // Eight colon-joined pairs also parse as an IPv6 address (0a00:27ff:…): they used to match nothing.
    const wanted = Array.from({ length: 34 }, (_, i) => i + 3);
    for (const form of ['0a:00:27:ff:fe:3b:2a:b2', '0A-00-27-FF-FE-3B-2A-B2', '0a00.27ff.fe3b.2ab2', '0a0027fffe3b2ab2', '0a00:27ff:fe3b:2ab2']) {
      expect([form, await frames(GET, { device: form })]).toEqual([form, wanted]);
    }
    expect(parseEui64('00:17:3b:00:00:00:00:01')).toBe('00173B0000000001');
    expect(parseEui64('00-17-3b-00-00-00-00-01')).toBe('00173B0000000001');
    expect(parseEui64('2018::188')).toBeUndefined();
    expect(parseEui64('00:17:3b:00:00:00:00')).toBeUndefined();
    const bad = await decode(GET, { device: '00:17:3b:00:00:00:0g:01' });
    expect([bad.code, bad.err]).toEqual([2, [`hil decode: --device: "00:17:3b:00:00:00:0g:01" is neither an EUI-64 (16 hex digits, or eight pairs joined by ':' or '-') nor an IPv6 address`]]);
  });

  test('--tlv: messages carrying the TLV and GETs asking for it', async () => {
    expect(await frames(GET, { tlv: '75' })).toEqual([3, 35, 36]);
    expect(await frames(GET, { tlv: '22, 75' })).toEqual([3, 21, 22, 35, 36]);
  });

  test('--code by class, exact code or method; --path follows a response to its request by token', async () => {
    expect(await frames(GET, { code: '0.02' })).toEqual([3]);
    expect(await frames(GET, { code: 'post,2.03' })).toEqual([3, 4]);
    expect(await frames(GET, { code: '2.xx', path: 'r' })).toEqual([4]);
    expect(await frames(GET, { path: '/c' })).toHaveLength(34);
  });

  test('--since and --until bound the frame time (inclusive)', async () => {
    expect(await frames(GET, { since: '2020-12-17T05:57:00.100Z' })).toEqual([33, 34, 35, 36]);
    expect(await frames(GET, { until: '2020-12-17T05:56:59.700Z' })).toEqual([1, 2, 3]);
  });

  test('--since/--until cover the whole span of the precision given; a window that ends before it starts is refused', async () => {
    // Frames at 10:00:00, 10:00:30, 10:00:59.999999, 10:01:00 and 10:00:05.5.
    const T = Date.UTC(2026, 11, 6, 10) / 1000;
    const file = join(dir, 'minute.pcap');
    const packet = readPcap(readFileSync(GET)).records[0]!.ipv6!;
    writeFileSync(file, rawPcap([[T, 0], [T + 30, 0], [T + 59, 999_999], [T + 60, 0], [T + 5, 500_000]], packet));
    expect(await frames(file, { until: '2026-12-06T10:00Z' })).toEqual([1, 2, 3, 5]);
    expect(await frames(file, { until: '2026-12-06T10:00' })).toEqual([1, 2, 3, 5]);
    expect(await frames(file, { since: '2026-12-06T10:00', until: '2026-12-06T10:00' })).toEqual([1, 2, 3, 5]);
    expect(await frames(file, { until: '2026-12-06T10:00:05' })).toEqual([1, 5]);
    expect(await frames(file, { until: '2026-12-06T10:00:05.4' })).toEqual([1]);
    expect(await frames(file, { since: '2026-12-06T10:00:05.5', until: '2026-12-06T10:00:30' })).toEqual([2, 5]);
    expect(await frames(file, { since: '2026-12-06T11:00+01:00', until: '2026-12-06' })).toEqual([1, 2, 3, 4, 5]);
    expect(parseTimeSpan('--until', '2026-12-06T10:00')).toEqual({ start: T * 1000, end: T * 1000 + 60_000 });
    expect(parseTimeSpan('--until', '2026-12-06T10:00:05.25Z')).toEqual({ start: T * 1000 + 5250, end: T * 1000 + 5260 });
    const later = await decode(file, { since: '2026-12-06T11:00', until: '2026-12-06T10:00' });
    expect([later.code, later.lines, later.err]).toEqual([2, [], ['hil decode: --since: "2026-12-06T11:00" is not before --until "2026-12-06T10:00": no frame can be in that window']]);
    expect((await decode(file, { until: '2026-02-30' })).err).toEqual(['hil decode: --until: "2026-02-30" is not a date and time (ISO 8601: 2026-12-04T18:00:00Z)']);
  });

  test('a microsecond field of a second or more is carried into the seconds, not printed as .1234567 nor taken for damage', async () => {
    const T = Date.UTC(2026, 11, 6, 10) / 1000;
    const file = join(dir, 'carry.pcap');
    writeFileSync(file, rawPcap([[T, 1_234_567], [T, 5]], readPcap(readFileSync(GET)).records[0]!.ipv6!));
    const r = await decode(file);
    expect([r.code, r.err, r.lines.filter((l) => l.startsWith('#'))]).toEqual([0, [], ['#1 2026-12-06T10:00:01.234Z [2018::2]:62590 -> [2018::188]:61628', '#2 2026-12-06T10:00:00.000Z [2018::2]:62590 -> [2018::188]:61628']]);
  });

  test('a frame cut by the snaplen is shown for what it holds, marked cut; --count counts it', async () => {
    const T = Date.UTC(2026, 11, 6, 10) / 1000;
    const packet = readPcap(readFileSync(GET)).records[0]!.ipv6!;
    const whole = rawPcap([[T, 0]], packet);
    const cut = Buffer.from(rawPcap([[T + 1, 0]], packet.subarray(0, 50)).subarray(24));
    cut.writeUInt32LE(packet.length, 12);
    const file = join(dir, 'snaplen.pcap');
    writeFileSync(file, Buffer.concat([whole, cut]));
    const r = await decode(file);
    expect([r.code, r.err, r.lines]).toEqual([0, [], [
      '#1 2026-12-06T10:00:00.000Z [2018::2]:62590 -> [2018::188]:61628',
      '  CON 0.01 GET MID 0 /c?q=1',
      '#2 2026-12-06T10:00:01.000Z [2018::2]:62590 -> [2018::188]:61628',
      `  ! ipv6: packet cut short: 50 of ${packet.length} bytes captured (snaplen); decoded as far as they go at byte 50`,
    ]]);
    const j = await decode(file, { json: true });
    expect(JSON.parse(j.lines[1]!).error).toEqual({ layer: 'ipv6', offset: 50, code: 'truncated', reason: `packet cut short: 50 of ${packet.length} bytes captured (snaplen); decoded as far as they go` });
    expect(JSON.parse((await decode(file, { count: true, json: true })).lines[0]!).messages).toBe(2);
  });

  test('--count tallies per device, path and code (text and JSON)', async () => {
    const r = await decode(GET, { count: true });
    expect(r.lines).toEqual([
      '36 messages',
      'by device:',
      '  0A0027FFFE3B2AB2  34',
      '  (not identified)  2',
      'by path:',
      '  /c  34',
      '  /r  2',
      'by code:',
      '  0.01 GET      17',
      '  2.05 Content  17',
      '  0.02 POST     1',
      '  2.03 Valid    1',
    ]);
    const j = await decode(GET, { count: true, json: true, code: '0.xx' });
    expect(JSON.parse(j.lines[0]!)).toEqual({ messages: 18, devices: { '0A0027FFFE3B2AB2': 17, '(not identified)': 1 }, paths: { '/c': 17, '/r': 1 }, codes: { '0.01 GET': 17, '0.02 POST': 1 } });
  });

  test('bad filter text is refused naming the option, before reading', async () => {
    expect((await decode(GET, { device: 'nonsense' })).err).toEqual([`hil decode: --device: "nonsense" is neither an EUI-64 (16 hex digits, or eight pairs joined by ':' or '-') nor an IPv6 address`]);
    expect((await decode(GET, { code: '9.99' })).err).toEqual(['hil decode: --code: "9.99" is not a CoAP code (2.05, 4.xx, GET)']);
    expect((await decode(GET, { since: 'yesterday' })).err).toEqual(['hil decode: --since: "yesterday" is not a date and time (ISO 8601: 2026-12-04T18:00:00Z)']);
    expect((await decode(GET, { tlv: 'x' })).code).toBe(2);
  });

  test('--pcap writes exactly the frames that passed, as raw IPv6 with their times', async () => {
    const out = join(dir, 'only75.pcap');
    expect((await decode(GET, { tlv: '75', pcap: out })).code).toBe(0);
    const source = readPcap(readFileSync(GET)).records;
    const written = readPcap(readFileSync(out));
    expect(written.linkType).toBe(101);
    expect(written.records.map((r) => [r.time, Buffer.from(r.ipv6!).toString('hex')])).toEqual([3, 35, 36].map((n) => [source[n - 1]!.time, Buffer.from(source[n - 1]!.ipv6!).toString('hex')]));
  });

  test('--pcap from a nanosecond capture is a nanosecond pcap with the same figures; a microsecond one stays microsecond', async () => {
    /** Magic, and each record's seconds and sub-second field, read straight from the bytes. */
    const fields = (b: Buffer) => {
      const out: number[][] = [];
      for (let at = 24; at < b.length; at += 16 + b.readUInt32LE(at + 8)) out.push([b.readUInt32LE(at), b.readUInt32LE(at + 4), b.readUInt32LE(at + 8), b.readUInt32LE(at + 12)]);
      return { magic: b.readUInt32LE(0).toString(16), records: out };
    };
    const nanoPcap = join(dir, 'nano.pcap');
    const head = Buffer.from(rawPcap([], FRAME5));
    head.writeUInt32LE(0xa1b23c4d, 0);
    writeFileSync(nanoPcap, Buffer.concat([head, rawPcap([[1_796_551_200, 123_456_789], [1_796_551_201, 999_999_999]], FRAME5).subarray(24)]));
    const out1 = join(dir, 'nano-out.pcap');
    expect((await decode(nanoPcap, { pcap: out1 })).code).toBe(0);
    expect(fields(readFileSync(out1))).toEqual({ magic: 'a1b23c4d', records: [[1_796_551_200, 123_456_789, 59, 59], [1_796_551_201, 999_999_999, 59, 59]] });
    // pcapng, if_tsresol 9 (nanoseconds): the same figures.
    const nanoNg = join(dir, 'nano.pcapng');
    writeFileSync(nanoNg, Buffer.concat([shb(true), idb(101, true, [option(9, Buffer.from([9]), true)]), epb(0, 1_796_551_200_123_456_789n, FRAME5, true)]));
    const out2 = join(dir, 'nano-ng-out.pcap');
    expect((await decode(nanoNg, { pcap: out2 })).code).toBe(0);
    expect(fields(readFileSync(out2))).toEqual({ magic: 'a1b23c4d', records: [[1_796_551_200, 123_456_789, 59, 59]] });
    // Microseconds in, microseconds out.
    const microNg = join(dir, 'micro.pcapng');
    writeFileSync(microNg, Buffer.concat([shb(true), idb(101, true), epb(0, 1_796_551_200_123_456n, FRAME5, true)]));
    const out3 = join(dir, 'micro-ng-out.pcap');
    expect((await decode(microNg, { pcap: out3 })).code).toBe(0);
    expect(fields(readFileSync(out3))).toEqual({ magic: 'a1b2c3d4', records: [[1_796_551_200, 123_456, 59, 59]] });
  });

  test('--pcap keeps a snaplen-cut frame cut, with its original length', async () => {
    const cut = Buffer.from(rawPcap([[1_796_551_200, 5]], FRAME5.subarray(0, 50)));
    cut.writeUInt32LE(FRAME5.length, 24 + 12);
    const file = join(dir, 'cut-in.pcap');
    writeFileSync(file, cut);
    const out = join(dir, 'cut-out.pcap');
    expect((await decode(file, { pcap: out })).code).toBe(0);
    expect(readFileSync(out).subarray(24)).toEqual(cut.subarray(24));
  });

  test('a pcapng time outside the JavaScript date range prints as its raw figure, not a RangeError', async () => {
    const file = join(dir, 'far.pcapng');
    // if_tsoffset of 10^13 seconds (past Date's 8.64e12): valid pcapng, tshark reads it; no Date can hold it.
    writeFileSync(file, Buffer.concat([shb(true), idb(229, true, [option(14, u(8, 10n ** 13n, true), true)]), epb(0, 1_500_000n, FRAME5, true)]));
    const text = await decode(file);
    expect(text.code).toBe(0);
    expect(text.lines[0]).toBe('#1 t=10000000000001.5 s since 1970 (outside the date range) [2018::2]:62590 -> [2018::188]:61628');
    const json = JSON.parse((await decode(file, { json: true })).lines[0]!);
    expect([json.time, json.timeMs]).toEqual([undefined, 10000000000001500]);
  });

  test('if_tsresol 0 (whole seconds) with all-ones timestamp bytes: the raw figure, not a RangeError', async () => {
    const file = join(dir, 'ones.pcapng');
    writeFileSync(file, Buffer.concat([shb(true), idb(229, true, [option(9, Buffer.from([0]), true)]), epb(0, 2n ** 64n - 1n, FRAME5, true)]));
    const text = await decode(file);
    expect(text.code).toBe(0);
    expect(text.lines[0]).toBe('#1 t=18446744073709552000 s since 1970 (outside the date range) [2018::2]:62590 -> [2018::188]:61628');
    const json = JSON.parse((await decode(file, { json: true })).lines[0]!);
    expect([json.time, json.timeMs]).toEqual([undefined, 18446744073709552000000]);
  });

  test('--follow prints frames appended to a growing capture, and ends when told', async () => {
    const whole = readFileSync(GET);
    const cut = readPcap(whole).records[4]!.offset;
    const file = join(dir, 'growing.pcap');
    writeFileSync(file, whole.subarray(0, cut + 10)); // four frames and a piece of the fifth
    const stop = new AbortController();
    let waiting: { n: number; resolve: () => void } | undefined;
    const seen = (n: number) => new Promise<void>((resolve) => (waiting = { n, resolve }));
    const onText = (all: string) => {
      if (waiting && all.split('\n').length - 1 >= waiting.n) waiting.resolve();
    };
    const first = seen(4);
    const run = decode(file, { json: true, follow: true }, stop.signal, onText);
    await first;
    const rest = seen(36);
    appendFileSync(file, whole.subarray(cut + 10));
    await rest;
    stop.abort();
    const r = await run;
    expect(r.code).toBe(0);
    expect(r.lines.map((l) => JSON.parse(l).frame)).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
  });

  test('--follow is tail -F: a capture renamed away and re-created, or truncated, is read again from its new header', async () => {
    const whole = readFileSync(GET);
    const register = readFileSync(join(VECTORS, 'csmp_register.pcap'));
    const fifth = readPcap(whole).records[4]!.offset;
    const file = join(dir, 'rotating.pcap');
    writeFileSync(file, whole.subarray(0, fifth + 10)); // four frames and a piece of the fifth
    const stop = new AbortController();
    let waiting: { n: number; resolve: () => void } | undefined;
    const seen = (n: number) => new Promise<void>((resolve) => (waiting = { n, resolve }));
    const onText = (all: string) => {
      if (waiting && all.split('\n').length - 1 >= waiting.n) waiting.resolve();
    };
    let next = seen(4);
    const run = decode(file, { json: true, follow: true }, stop.signal, onText);
    await next;
    // Rotated: the old file gets no more; a new one (two frames) takes its name.
    renameSync(file, `${file}.1`);
    next = seen(6);
    writeFileSync(file, register);
    await next;
    // Truncated in place and written anew, shorter than before: the GET capture's first frame.
    next = seen(7);
    writeFileSync(file, whole.subarray(0, readPcap(whole).records[1]!.offset));
    await next;
    stop.abort();
    const r = await run;
    expect(r.code).toBe(0);
    const lines = r.lines.map((l) => JSON.parse(l) as { frame: number; coap: { code: string } });
    expect(lines.map((l) => [l.frame, l.coap.code])).toEqual([[1, '0.01'], [2, '2.05'], [3, '0.02'], [4, '2.03'], [5, '0.02'], [6, '2.03'], [7, '0.01']]);
    expect(r.err).toEqual([
      `hil decode: ${file}: replaced by a new file: reading it from its start (10 bytes of an unfinished record dropped)`,
      `hil decode: ${file}: truncated: reading it from its start`,
    ]);
  });
});

/** A raw-IPv6 microsecond pcap of `packet` at each [seconds, microseconds]. */
function rawPcap(times: [number, number][], packet: Uint8Array): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(101, 20);
  const records = times.map(([sec, usec]) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(sec, 0);
    r.writeUInt32LE(usec, 4);
    r.writeUInt32LE(packet.length, 8);
    r.writeUInt32LE(packet.length, 12);
    return Buffer.concat([r, packet]);
  });
  return Buffer.concat([head, ...records]);
}
