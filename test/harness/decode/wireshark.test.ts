/**
 * The generated Wireshark dissector, run by the real tshark on the real captures: every TLV framed
 * as csmp-hil frames it, values decoded by Wireshark's protobuf dissector with csmp.proto, and
 * the same field values csmp-hil's own decoder gives.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { buildUdpPacket } from '../../../drivers/ip/packet.js';
import { encodeGlobalHeader, encodeRecord, LINKTYPE } from '../../../core/pcap-format.js';
import { encodeCoap } from '../../../harness/coap/message.js';
import { csmpDissectorLua, tsharkCsmpArgs, writeWiresharkFiles } from '../../../harness/decode/wireshark.js';
import { tlvCatalogue } from '../../../harness/csmp/schema/catalogue.js';
import { VECTORS } from '../../support/vectors.js';

const tshark = spawnSync('sh', ['-c', 'command -v tshark'], { encoding: 'utf8' }).stdout.trim();
if (!tshark) console.warn('wireshark.test.ts: tshark tests skipped: tshark is not installed (apt-get install tshark)');
const describeIf = tshark ? describe : describe.skip;

test('the Lua table names every catalogued TLV with its protobuf message', () => {
  const lua = csmpDissectorLua();
  for (const t of tlvCatalogue) {
    expect(lua).toContain(`  [${t.id}] = { ${JSON.stringify(t.name)}, ${t.message ? JSON.stringify(`csmp.${t.message}`) : 'nil'} },`);
  }
  expect(lua).toContain('  [75] = { "FirmwareImageInfo", "csmp.FirmwareImageInfo" },');
});

describeIf('tshark with the generated CSMP dissector', () => {
  let dir: string;
  let args: string[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-ws-'));
    writeWiresharkFiles(dir);
    args = [...tsharkCsmpArgs(dir), '-o', 'protobuf.pbf_as_hf:TRUE', '-o', 'protobuf.preload_protos:TRUE'];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const fields = async (file: string, ...names: string[]): Promise<string[][]> => {
    const r = await execa(tshark, ['-n', ...args, '-r', file, '-T', 'fields', '-E', 'occurrence=a', ...names.flatMap((n) => ['-e', n])], { timeout: 60_000 });
    return r.stdout.split('\n').map((l) => l.split('\t'));
  };

  test('csmp_register.pcap: the 15 registration TLVs and FND\'s signed answer, fields by name', async () => {
    const rows = await fields(
      join(VECTORS, 'csmp_register.pcap'),
      'csmp.tlv.type',
      'pbf.csmp.DeviceID.id',
      'pbf.csmp.FirmwareImageInfo.version',
      'pbf.csmp.HardwareDesc.entPhysicalModelName',
      'pbf.csmp.ReportSubscribe.interval',
      'pbf.csmp.SignatureValidity.notBefore',
      'pbf.csmp.SignatureValidity.notAfter',
    );
    expect(rows).toEqual([
      ['2,18,11,12,12,16,16,16,17,23,23,25,35,53,75', '0A0027FFFE3B2AB2', '1.0.0', 'CSMP AGENT LIB', '', '', ''],
      ['13,7,76,77', '', '', '', '20', '1557295060', '1667295060'],
    ]);
  });

  test('csmp_get.pcap: each GET answer is CSMP with its TLV; requests stay plain CoAP', async () => {
    const rows = await fields(join(VECTORS, 'csmp_get.pcap'), 'frame.protocols', 'csmp.tlv.type', 'coap.opt.uri_query');
    const answers = rows.filter((r) => r[0]!.includes(':coap:csmp'));
    expect(answers.map((r) => r[1])).toEqual(['1', '2,18,11,12,12,16,16,16,17,23,23,25,35,53,75', '13', '2', '11', '12,12', '13', '16,16,16', '17', '18', '22', '23,23', '25', '35', '53', '75']);
    expect(rows.filter((r) => r[2] !== '').map((r) => r[2])).toContain('q=75');
  });

  test('a TLV whose length runs past the payload is flagged malformed, not read past', async () => {
    const file = join(dir, 'truncated.pcap');
    // DeviceID (2) claiming 20 bytes with 3 present.
    const payload = encodeCoap({ type: 'ACK', code: '2.05', messageId: 7, payload: Uint8Array.of(0x02, 0x14, 0x08, 0x01, 0x12) });
    const packet = buildUdpPacket({ src: '2018::188', dst: '2018::2', srcPort: 61628, dstPort: 62590, payload });
    writeFileSync(file, Buffer.concat([encodeGlobalHeader(LINKTYPE.RAW), encodeRecord(packet, 1608173973000)]));
    const rows = await fields(file, 'frame.protocols', '_ws.expert.message');
    expect(rows).toEqual([['raw:ipv6:udp:coap:csmp', 'TLV runs past the payload']]);
  });
});
