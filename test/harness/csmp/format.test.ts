import { formatPayload, formatTlv, formatValue } from '../../../harness/csmp/format.js';
import { decodeValue } from '../../../harness/csmp/value.js';
import { VENDOR_TLV_SUBTYPE1 } from './vectors.js';
import { FND_RESPONSE_PAYLOAD, FND_SIGNATURE_VALUE, REGISTER_PAYLOAD } from '../../support/register-vector.js';
import { hexBytes } from '../../support/hex.js';

describe('formatPayload', () => {
  it('prints one line per TLV of the FND registration response', () => {
    expect(formatPayload(hexBytes(FND_RESPONSE_PAYLOAD)).split('\n')).toEqual([
      '[13/ReportSubscribe]: {interval: 20, tlvid: ["2", "22"]}',
      '[7/SessionID]: {id: "1"}',
      '[76/SignatureValidity]: {notBefore: 1557295060, notAfter: 1667295060}',
      `[77/Signature]: {value: ${FND_SIGNATURE_VALUE}}`,
    ]);
  });

  it('prints table rows and nested messages', () => {
    const lines = formatPayload(hexBytes(REGISTER_PAYLOAD)).split('\n');
    expect(lines).toHaveLength(15);
    expect(lines[0]).toBe('[2/DeviceID]: {type: 1, id: "0A0027FFFE3B2AB2"}');
    expect(lines[14]).toBe(
      '[75/FirmwareImageInfo]: {index: 1, fileHash: 3132333435000000000000000000000000000000000000000000000000000000, ' +
        'fileName: "vendor firmware", version: "1.0.0", fileSize: 246272, isDefault: true, isRunning: true, ' +
        'hwInfo: {hwId: "", vendorHwId: "vendor hardware ID"}}',
    );
  });

  it('names vendor TLVs by their text id', () => {
    expect(formatPayload(hexBytes(VENDOR_TLV_SUBTYPE1))).toBe(`[e5771.127/Vendor]: {subType: 1, value: ${'01'.repeat(32)}}`);
  });

  it('shows damage inline instead of refusing', () => {
    const payload = hexBytes('1682000801' + '4b8500' + '0801122031' + 'e70702abcd' + '0d9400');
    expect(formatPayload(payload).split('\n')).toEqual([
      '[22/Uptime]: {sysUpTime: 1}',
      '[75/FirmwareImageInfo]: <tlv-value: FirmwareImageInfo: index out of range: 4 + 32 > 5 at byte 12> raw 0801122031',
      '[999/Unknown]: raw abcd',
      '<tlv: TLV 13 at byte 18 declares 20 value bytes, 0 left at byte 19> 3 bytes not framed: 0d9400',
    ]);
  });

  it('prints a payload that does not frame at all', () => {
    expect(formatPayload(hexBytes('ff'))).toBe('<tlv: varint truncated after 1 bytes at byte 0> 1 bytes not framed: ff');
    expect(formatPayload(new Uint8Array(0))).toBe('');
  });
});

describe('formatTlv and formatValue', () => {
  it('escapes strings, prints empty bytes as "" and 64-bit numbers exactly', () => {
    expect(formatValue({ a: 'say "hi"\n', b: new Uint8Array(0), c: 2n ** 64n - 1n, d: [1, 2], e: {} })).toBe(
      '{a: "say \\"hi\\"\\n", b: "", c: 18446744073709551615, d: [1, 2], e: {}}',
    );
  });

  it('prints an empty value of a TLV without schema', () => {
    expect(formatTlv(decodeValue({ type: 3, value: new Uint8Array(0) }))).toBe('[3/AgentURL]: raw (empty)');
    expect(formatTlv(decodeValue({ type: 22, value: new Uint8Array(0) }))).toBe('[22/Uptime]: {}');
  });
});
