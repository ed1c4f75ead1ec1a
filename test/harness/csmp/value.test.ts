import fc from 'fast-check';
import { DecodeError } from '../../../core/errors.js';
import { decodePayload, buildPayload } from '../../../harness/csmp/payload.js';
import { decodeTlvs } from '../../../harness/csmp/tlv.js';
import { decodeValue, encodeValue, toJson, type DecodedTlv } from '../../../harness/csmp/value.js';
import { FND_RESPONSE_PAYLOAD, FND_RESPONSE_TLVS, REGISTER_PAYLOAD, REGISTER_TLVS } from '../../support/register-vector.js';
import {
  CGMS_NOTIFICATION_CODE0,
  GET_CURRENTTIME_PAYLOAD,
  GET_INTERFACEMETRICS_PAYLOAD,
  GET_REPORTSUBSCRIBE_PAYLOAD,
  GET_RPLMETRICS_PAYLOAD,
  GET_TLVINDEX_PAYLOAD,
  GET_UPTIME_PAYLOAD,
  TUTORIAL_HARDWAREDESC_VALUE,
  VENDOR_TLV_SUBTYPE1,
} from './vectors.js';
import { hexBytes } from '../../support/hex.js';
import { toHex } from '../../../core/bytes.js';

function values(payloadHex: string): DecodedTlv[] {
  return decodeTlvs(hexBytes(payloadHex)).map(decodeValue);
}

function json(payloadHex: string): Record<string, unknown>[] {
  return values(payloadHex).map((d) => ({ name: d.name, ...toJson(d).value }));
}

describe('registration frame 1 values (doc 8.3)', () => {
  it('decodes every TLV to the doc table, with hex bytes and no defaulted fields', () => {
    expect(json(REGISTER_PAYLOAD)).toEqual(REGISTER_TLVS);
  });

  it('keeps decoded values plain: Uint8Array bytes, numbers, nested objects', () => {
    const fw = values(REGISTER_PAYLOAD)[14]!;
    expect(fw.value!['fileHash']).toBeInstanceOf(Uint8Array);
    expect((fw.value!['fileHash'] as Uint8Array).constructor).toBe(Uint8Array);
    expect(fw.value!['hwInfo']).toEqual({ hwId: '', vendorHwId: 'vendor hardware ID' });
    expect(Object.getPrototypeOf(fw.value!['hwInfo'])).toBe(Object.prototype);
    expect(fw.offset).toBe(500);
    expect(fw.error).toBeUndefined();
  });

  it('re-encodes every value to the captured bytes, from values and from JSON', () => {
    for (const d of values(REGISTER_PAYLOAD)) {
      expect(toHex(encodeValue(d.type, d.value!))).toBe(toHex(d.raw));
      expect(toHex(encodeValue(d.type, toJson(d).value!))).toBe(toHex(d.raw));
    }
  });

  it('rebuilds the whole payload from JSON values in the agent length style', () => {
    const rebuilt = buildPayload(
      values(REGISTER_PAYLOAD).map((d) => ({ type: d.name, fields: toJson(d).value! })),
      { lengthStyle: 'agent' },
    );
    expect(toHex(rebuilt)).toBe(REGISTER_PAYLOAD);
  });
});

describe('FND registration response values (doc 8.4)', () => {
  it('ReportSubscribe, SessionID, SignatureValidity and Signature', () => {
    expect(json(FND_RESPONSE_PAYLOAD)).toEqual(FND_RESPONSE_TLVS);
  });

  it('rebuilds byte for byte with minimal lengths', () => {
    const rebuilt = buildPayload(
      values(FND_RESPONSE_PAYLOAD).map((d) => ({ type: d.type, fields: d.value! })),
      { lengthStyle: 'minimal' },
    );
    expect(toHex(rebuilt)).toBe(FND_RESPONSE_PAYLOAD);
  });
});

describe('GET answers (doc 8.5)', () => {
  it('TlvIndex lists 17 ids in the device order', () => {
    expect(json(GET_TLVINDEX_PAYLOAD)).toEqual([
      { name: 'TlvIndex', tlvid: ['1', '2', '7', '55', '58', '13', '11', '12', '16', '17', '18', '22', '23', '25', '35', '53', '75'] },
    ]);
  });

  it('ReportSubscribe interval 0 is present, not absent (explicit presence)', () => {
    const [d] = values(GET_REPORTSUBSCRIBE_PAYLOAD);
    expect(d!.value).toEqual({ interval: 0 });
    expect('tlvid' in d!.value!).toBe(false);
  });

  it('CurrentTime, Uptime, InterfaceMetrics, IPRouteRPLMetrics', () => {
    expect(json(GET_CURRENTTIME_PAYLOAD)).toEqual([{ name: 'CurrentTime', posix: 1608184620, source: 0 }]);
    expect(json(GET_UPTIME_PAYLOAD)).toEqual([{ name: 'Uptime', sysUpTime: 12 }]);
    expect(json(GET_INTERFACEMETRICS_PAYLOAD).map((m) => [m['ifIndex'], m['ifInOctets'], m['ifOutOctets']])).toEqual([
      [1, 0, 0],
      [2, 2640, 1220],
    ]);
    expect(json(GET_RPLMETRICS_PAYLOAD)[0]).toMatchObject({ rssiForward: -69, rssiReverse: -59, dagSize: 4 });
  });

  it('reads the tutorial HardwareDesc with its two-byte tag for field 17 (doc 5.4)', () => {
    const d = decodeValue({ type: 11, value: hexBytes(TUTORIAL_HARDWAREDESC_VALUE) });
    expect(toJson(d).value).toEqual({
      entPhysicalIndex: 1,
      entPhysicalDescr: 'IR530 - Single antenna w/ BBU',
      entPhysicalClass: 9,
      entPhysicalName: 'lowpan',
      entPhysicalHardwareRev: '1.0',
      entPhysicalFirmwareRev: '6.6(6.6.5)',
      entPhysicalSerialNum: 'FCW2130002E',
      entPhysicalMfgName: 'Cisco Systems, Inc.',
      entPhysicalModelName: 'IR530SB-OFD-FCC/K9',
      entPhysicalFunction: 2,
    });
  });
});

describe('wire rules of doc 4.4', () => {
  it('sint32 is zig-zag: 38 89 01 = rssiForward -69', () => {
    expect(decodeValue({ type: 25, value: hexBytes('388901') }).value).toEqual({ rssiForward: -69 });
    expect(toHex(encodeValue(25, { rssiForward: -69 }))).toBe('388901');
  });

  it('negative int32 takes 10 bytes', () => {
    const bytes = encodeValue('WPANStatus', { txPower: -10 });
    expect(toHex(bytes)).toBe('58f6ffffffffffffffff01');
    expect(bytes.length - 1).toBe(10);
    expect(decodeValue({ type: 35, value: bytes }).value).toEqual({ txPower: -10 });
  });

  it('CGMSNotification.tlvs: packed 1a 02 2a 38 = [42, 56]; unpacked accepted; packed emitted', () => {
    expect(decodeValue({ type: 44, value: hexBytes('08031a022a38') }).value).toEqual({ code: 3, tlvs: [42, 56] });
    expect(decodeValue({ type: 44, value: hexBytes('0803182a1838') }).value).toEqual({ code: 3, tlvs: [42, 56] });
    expect(toHex(encodeValue(44, { code: 3, tlvs: [42, 56] }))).toBe('08031a022a38');
  });

  it('CGMSNotification code 0 as the agent sends it', () => {
    expect(json(CGMS_NOTIFICATION_CODE0)).toEqual([{ name: 'CGMSNotification', code: 0 }]);
  });

  it('zero and false values on the wire stay present; absent fields stay absent', () => {
    expect(decodeValue({ type: 18, value: hexBytes('1800') }).value).toEqual({ source: 0 });
    expect(decodeValue({ type: 35, value: hexBytes('2000') }).value).toEqual({ master: false });
    expect(decodeValue({ type: 2, value: hexBytes('1200') }).value).toEqual({ id: '' });
    expect(decodeValue({ type: 43, value: new Uint8Array(0) }).value).toEqual({});
    expect(toHex(encodeValue(13, { interval: 0 }))).toBe('0800');
    expect(toHex(encodeValue(13, { interval: undefined, tlvid: [] }))).toBe('');
  });

  it('skips unknown field numbers and known numbers with the wrong wire type', () => {
    expect(decodeValue({ type: 2, value: hexBytes('0801 7805 8201 03 616263 1203 414243') }).value).toEqual({ type: 1, id: 'ABC' });
    expect(decodeValue({ type: 2, value: hexBytes('0a0100') }).value).toEqual({});
  });

  it('keeps 64-bit numbers exact: numbers when safe, bigint / decimal text beyond 2^53', () => {
    const bytes = encodeValue(303, { index: 1, inGoodOctets: 2n ** 60n, inBadOctets: 5, inUnicast: '18446744073709551615' });
    const d = decodeValue({ type: 303, value: bytes });
    expect(d.value).toEqual({ index: 1, inGoodOctets: 2n ** 60n, inBadOctets: 5, inUnicast: 2n ** 64n - 1n });
    expect(toJson(d).value).toEqual({ index: 1, inGoodOctets: '1152921504606846976', inBadOctets: 5, inUnicast: '18446744073709551615' });
    expect(encodeValue(303, toJson(d).value!)).toEqual(bytes);
  });

  it('a safe integer encodes a 64-bit field to the same bytes as its bigint and its decimal text', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        const asNumber = encodeValue(303, { inGoodOctets: n });
        expect(asNumber).toEqual(encodeValue(303, { inGoodOctets: BigInt(n) }));
        expect(asNumber).toEqual(encodeValue(303, { inGoodOctets: String(n) }));
      }),
      { numRuns: 500, examples: [[0], [2 ** 32 - 1], [2 ** 32], [Number.MAX_SAFE_INTEGER]] },
    );
  });

  it('floats keep their value, non-finite ones as text in JSON', () => {
    const bytes = encodeValue(156, { mode: 1, fastSwCfactorThresh: 0.5, fastSwLossThresh: NaN, fastSwExtremeThresh: -Infinity });
    const d = decodeValue({ type: 156, value: bytes });
    expect(d.value).toEqual({ mode: 1, fastSwCfactorThresh: 0.5, fastSwExtremeThresh: -Infinity, fastSwLossThresh: NaN });
    expect(toJson(d).value).toEqual({ mode: 1, fastSwCfactorThresh: 0.5, fastSwExtremeThresh: '-Infinity', fastSwLossThresh: 'NaN' });
    expect(encodeValue(156, toJson(d).value!)).toEqual(bytes);
  });
});

describe('vendor, unknown and damaged TLVs', () => {
  it('decodes the agent vendor TLV body (doc 8.6)', () => {
    const [d] = values(VENDOR_TLV_SUBTYPE1);
    expect(d!.name).toBe('Vendor');
    expect(d!.vendor).toEqual({ pen: 5771, vendorType: 127 });
    expect(toJson(d!)).toEqual({
      id: 'e5771.127',
      type: 127,
      name: 'Vendor',
      offset: 0,
      value: { subType: 1, value: '01'.repeat(32) },
      raw: '08011220' + '01'.repeat(32),
    });
  });

  it('keeps other vendor types raw', () => {
    const d = decodeValue({ type: 127, vendor: { pen: 1233, vendorType: 9 }, value: hexBytes('0102') });
    expect(d.value).toBeUndefined();
    expect(d.error).toBeUndefined();
    expect(toJson(d)).toEqual({ id: 'e1233.9', type: 127, name: 'Vendor', raw: '0102' });
  });

  it('keeps type 127 of the draft layout raw: its SubTLVs are not protobuf', () => {
    const [d] = decodePayload(hexBytes('7f 05 01 03 8b 2d 00'), { vendorLayout: 'draft' }).tlvs;
    expect(toJson(d!)).toEqual({ id: '127', type: 127, name: 'Vendor', offset: 0, raw: '01038b2d00' });
  });

  it('keeps unknown TLVs and TLVs without schema raw, never dropped', () => {
    const { tlvs, error } = decodePayload(hexBytes('e707 02 abcd 03 01 ff 16 02 080c'));
    expect(error).toBeUndefined();
    expect(tlvs.map((t) => toJson(t))).toEqual([
      { id: '999', type: 999, name: 'Unknown', offset: 0, raw: 'abcd' },
      { id: '3', type: 3, name: 'AgentURL', offset: 5, raw: 'ff' },
      { id: '22', type: 22, name: 'Uptime', offset: 8, value: { sysUpTime: 12 }, raw: '080c' },
    ]);
  });

  it('an undecodable value keeps raw and carries a tlv-value error at its payload offset', () => {
    // FirmwareImageInfo whose fileHash declares 32 bytes but holds 1: the error points at the
    // first missing byte, payload offset 8 (value start) + 4.
    const payload = hexBytes('1682000801' + '4b8500' + '0801122031');
    const [, d] = decodePayload(payload).tlvs;
    expect(d!.value).toBeUndefined();
    expect(d!.error).toBeInstanceOf(DecodeError);
    expect(d!.error).toMatchObject({ layer: 'tlv-value', offset: 12, code: 'truncated' });
    expect(d!.error!.reason).toMatch(/^FirmwareImageInfo: /);
    expect(toJson(d!)).toEqual({
      id: '75',
      type: 75,
      name: 'FirmwareImageInfo',
      offset: 5,
      raw: '0801122031',
      error: { layer: 'tlv-value', offset: 12, code: 'truncated', reason: d!.error!.reason },
    });
  });

  it('protobuf bytes that are not protobuf at all are a bad-value; a length past the value is truncated', () => {
    // 7f: field 15, wire type 7, which does not exist; 12 05: fileHash declares 5 bytes and has none.
    expect(decodeValue({ type: 75, value: hexBytes('7f'), valueOffset: 3 }).error).toMatchObject({ layer: 'tlv-value', code: 'bad-value', offset: 4 });
    expect(decodeValue({ type: 75, value: hexBytes('1205') }).error).toMatchObject({ layer: 'tlv-value', code: 'truncated', offset: 2 });
  });

  it('decodePayload reports a framing fault after the TLVs it could frame', () => {
    const { tlvs, error } = decodePayload(hexBytes('1682000801 4b9400'));
    expect(tlvs.map((t) => t.name)).toEqual(['Uptime']);
    expect(error).toMatchObject({ layer: 'tlv', offset: 6, code: 'truncated' });
  });
});

describe('encodeValue checks its input', () => {
  it.each([
    [75, { index: 1, nosuch: 2 }, TypeError, 'FirmwareImageInfo has no field "nosuch"'],
    [75, { index: -1 }, RangeError, 'FirmwareImageInfo.index: -1 is outside uint32'],
    [75, { index: 1.5 }, TypeError, 'FirmwareImageInfo.index: uint32 needs an integer'],
    [75, { index: '1' }, TypeError, 'FirmwareImageInfo.index: uint32 needs an integer'],
    [75, { fileHash: 'xyz' }, TypeError, 'FirmwareImageInfo.fileHash: bytes needs a Uint8Array or hex text'],
    [75, { isDefault: 1 }, TypeError, 'FirmwareImageInfo.isDefault: bool needs true or false'],
    [75, { version: 1 }, TypeError, 'FirmwareImageInfo.version: string needs text'],
    [75, { hwInfo: 'x' }, TypeError, 'FirmwareImageInfo.hwInfo: expected an object of HardwareInfo fields'],
    [75, { hwInfo: { subHwId: 'x' } }, TypeError, 'FirmwareImageInfo.hwInfo: HardwareInfo has no field "subHwId"'],
    [1, { tlvid: '75' }, TypeError, 'TlvIndex.tlvid: repeated field needs an array'],
    [303, { inGoodOctets: 2 ** 60 }, TypeError, 'SwitchPortDetailMetrics.inGoodOctets: uint64 needs a safe integer, a bigint or decimal text'],
    [303, { inGoodOctets: -1n }, RangeError, 'SwitchPortDetailMetrics.inGoodOctets: -1 is outside uint64'],
    [303, { inGoodOctets: -1 }, RangeError, 'SwitchPortDetailMetrics.inGoodOctets: -1 is outside uint64'],
    [303, { inUnicast: [1] }, TypeError, 'SwitchPortDetailMetrics.inUnicast: uint64 needs a safe integer, a bigint or decimal text'],
    [3, {}, TypeError, 'TLV 3 has no schema to encode with'],
    ['NoSuchTlv', {}, TypeError, 'TLV NoSuchTlv has no schema to encode with'],
  ] as const)('%s %j', (type, fields, kind, message) => {
    expect(() => encodeValue(type, fields)).toThrow(kind);
    expect(() => encodeValue(type, fields)).toThrow(message);
  });

  it('takes bytes as Uint8Array or hex text of either case', () => {
    expect(encodeValue(77, { value: 'AB01' })).toEqual(encodeValue(77, { value: new Uint8Array([0xab, 0x01]) }));
  });
});
