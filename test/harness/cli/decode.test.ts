import { linkSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runDecode, type DecodeOptions } from '../../../harness/cli/commands/decode.js';
import { VECTORS } from '../../support/vectors.js';
import { FRAME5 } from '../../drivers/support/helpers.js';
import { epb, idb, shb } from '../../drivers/support/pcapng-blocks.js';

const vectors = `${VECTORS}/`;

async function decode(file: string | undefined, opts: Partial<DecodeOptions> = {}) {
  let text = '';
  const err: string[] = [];
  const code = await runDecode(file, { ports: '61628,61624', ...opts }, { out: { write: (s) => ((text += Buffer.from(s).toString('utf8')), true), once: () => undefined }, err: (s) => err.push(s) });
  return { code, out: text === '' ? [] : text.replace(/\n$/, '').split('\n'), err };
}

describe('hil decode', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hil-decode-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('text output names every TLV in csmp-request style, with the signature ASN.1 spelled out', async () => {
    const r = await decode(vectors + 'csmp_register.pcap');
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toContain('  CON 0.02 POST MID 0 /r (595-byte payload)');
    expect(text).toContain('    [2/DeviceID]: {type: 1, id: "0A0027FFFE3B2AB2"}');
    expect(text).toContain('    [13/ReportSubscribe]: {interval: 20, tlvid: ["2", "22"]}');
    expect(text).toContain('ASN.1: SEQUENCE { ecdsa-with-SHA256, BIT STRING { SEQUENCE { r 33 bytes 00a904');
  });

  test('--json prints one object per message with the documented keys', async () => {
    const r = await decode(vectors + 'csmp_get.pcap', { json: true });
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(36);
    const first = JSON.parse(r.out[4]!);
    expect(first).toEqual({
      frame: 5,
      time: '2020-12-17T05:56:59.929Z',
      src: '2018::2',
      dst: '2018::188',
      srcPort: 62590,
      dstPort: 61628,
      udpChecksumOk: true,
      coap: { type: 'CON', code: '0.01', messageId: 1, token: '01', uriPath: ['c'], uriQuery: ['q=2'] },
      tlvs: [],
    });
  });

  test('--hex takes a bare CoAP message', async () => {
    const r = await decode(undefined, { hex: '61450001 01ff 0294000801121030413030323746464645334232414232', json: true });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out[0]!)).toMatchObject({ coap: { type: 'ACK', code: '2.05', messageId: 1, token: '01' }, tlvs: [{ type: 2, name: 'DeviceID', value: { type: 1, id: '0A0027FFFE3B2AB2' } }] });
  });

  test('a truncated capture: the records before the cut are printed, then the error names file, record and offset; exit 2', async () => {
    const file = join(dir, 'cut.pcap');
    writeFileSync(file, readFileSync(vectors + 'csmp_get.pcap').subarray(0, 300));
    const r = await decode(file, { json: true });
    expect(r.code).toBe(2);
    expect(r.out.map((l) => JSON.parse(l)).map((m) => [m.frame, m.coap.code, m.coap.uriQuery])).toEqual([
      [1, '0.01', ['q=1']],
      [2, '2.05', []],
    ]);
    expect(r.err).toEqual([`hil decode: ${file}: record 3: truncated (header says 664 bytes, 21 remain) (byte offset 263, after 2 records)`]);
  });

  test('pcapng (as Wireshark saves) decodes exactly like the classic capture it came from', async () => {
    const file = join(dir, 'get.pcapng');
    const conv = spawnSync('editcap', ['-F', 'pcapng', vectors + 'csmp_get.pcap', file]);
    if (conv.error) throw new Error(`editcap is needed (apt-get install tshark): ${conv.error.message}`);
    const ng = await decode(file, { json: true });
    const classic = await decode(vectors + 'csmp_get.pcap', { json: true });
    expect(ng.code).toBe(0);
    expect(ng.out).toHaveLength(36);
    expect(ng.out).toEqual(classic.out);
  });

  test('a file that is not a pcap is refused at byte 0', async () => {
    const file = join(dir, 'x.txt');
    writeFileSync(file, '{\n  "not": "a capture"\n}\n');
    const r = await decode(file);
    expect(r.code).toBe(2);
    expect(r.err).toEqual([`hil decode: ${file}: unknown magic 0x7b0a2020 (byte offset 0)`]);
  });

  test('damaged CoAP inside a message is shown with its layer and offset, exit 1', async () => {
    const r = await decode(undefined, { hex: '49010001' });
    expect(r.code).toBe(1);
    expect(r.out.join('\n')).toContain('! coap: token length 9 exceeds 8 at byte 0');
  });

  test('--json gives the fault as layer, offset, code and reason', async () => {
    const r = await decode(undefined, { hex: '49010001', json: true });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out[0]!).error).toEqual({ layer: 'coap', offset: 0, code: 'bad-value', reason: 'token length 9 exceeds 8' });
  });
});

describe('hil decode refuses what it cannot honour, exit 2, and says what it could not read', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hil-decode-refuse-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const original = (): Buffer => readFileSync(vectors + 'csmp_register.pcap');

  test('--pcap naming the capture itself (same path, a symbolic link, a hard link) is refused before it is opened; the capture is left whole', async () => {
    const cap = join(dir, 'cap.pcap');
    writeFileSync(cap, original());
    symlinkSync(cap, join(dir, 'sym.pcap'));
    linkSync(cap, join(dir, 'hard.pcap'));
    for (const [out, said] of [
      [cap, `'${cap}' is the capture being decoded`],
      [join(dir, 'sym.pcap'), `'${join(dir, 'sym.pcap')}' is the capture being decoded (${cap})`],
      [join(dir, 'hard.pcap'), `'${join(dir, 'hard.pcap')}' is the capture being decoded (${cap})`],
      [`${dir}/../${basename(dir)}/./cap.pcap`, `'${dir}/../${basename(dir)}/./cap.pcap' is the capture being decoded (${cap})`],
    ] as const) {
      const r = await decode(cap, { pcap: out });
      expect(r).toEqual({ code: 2, out: [], err: [`hil decode: --pcap: ${said}: writing there would destroy it; give another file`] });
      expect(readFileSync(cap).equals(original())).toBe(true);
    }
    // Another file is written as before.
    const other = await decode(cap, { pcap: join(dir, 'other.pcap') });
    expect(other.code).toBe(0);
    expect(readFileSync(join(dir, 'other.pcap')).length).toBeGreaterThan(24);
  });

  test.each([
    ['abc', "'abc' is not a UDP port (a whole number from 1 to 65535)"],
    ['99999', "'99999' is not a UDP port (a whole number from 1 to 65535)"],
    ['0', "'0' is not a UDP port (a whole number from 1 to 65535)"],
    ['61628,', "'61628,' has an empty item (a comma-separated list of UDP ports, e.g. 61628,61624)"],
    ['', 'no port given (a comma-separated list of UDP ports, e.g. 61628,61624)'],
  ])('--ports %j is refused naming the item, exit 2 (it matched no port and decoded nothing, exit 0)', async (ports, reason) => {
    const r = await decode(vectors + 'csmp_register.pcap', { ports });
    expect(r).toEqual({ code: 2, out: [], err: [`hil decode: --ports: ${reason}`] });
  });

  test('--ports with spaces around the items still decodes', async () => {
    const r = await decode(vectors + 'csmp_register.pcap', { ports: ' 61628 , 61624 ' });
    expect(r.code).toBe(0);
    expect(r.out.length).toBeGreaterThan(0);
  });

  test('a pcap of a link type hil does not decode says so, naming file and link type, and exits 2: nothing could be decoded', async () => {
    const file = join(dir, 'linktype.pcap');
    const bytes = original();
    bytes.writeUInt32LE(12345, 20);
    writeFileSync(file, bytes);
    const r = await decode(file);
    expect(r).toEqual({
      code: 2,
      out: [],
      err: [
        `hil decode: ${file}: frame 1: link type 12345 is not one hil decodes (1 Ethernet, 101 raw IP, 228 IPv4, 229 IPv6); its frames are skipped`,
        `hil decode: ${file}: nothing decoded: no frame is of a link type hil decodes (2 skipped)`,
      ],
    });
    // The header alone names it, with no frame to skip.
    const empty = join(dir, 'linktype-empty.pcap');
    writeFileSync(empty, bytes.subarray(0, 24));
    expect(await decode(empty)).toEqual({
      code: 2,
      out: [],
      err: [
        `hil decode: ${empty}: link type 12345 is not one hil decodes (1 Ethernet, 101 raw IP, 228 IPv4, 229 IPv6); its frames are skipped`,
        `hil decode: ${empty}: nothing decoded: no frame is of a link type hil decodes (0 skipped)`,
      ],
    });
  });

  test('a pcapng with one interface of an unknown link type among others: its frames are noted as skipped, the others decoded, exit 0', async () => {
    const file = join(dir, 'mixed.pcapng');
    writeFileSync(file, Buffer.concat([shb(true), idb(101, true), idb(12345, true), epb(1, 1n, Buffer.from('junk'), true), epb(0, 2n, FRAME5, true), epb(1, 3n, Buffer.from('junk'), true)]));
    const r = await decode(file, { json: true });
    expect(r.code).toBe(0);
    expect(r.out.map((l) => JSON.parse(l).frame)).toEqual([2]);
    expect(r.err).toEqual([`hil decode: ${file}: frame 1: link type 12345 is not one hil decodes (1 Ethernet, 101 raw IP, 228 IPv4, 229 IPv6); its frames are skipped`]);
  });
});
