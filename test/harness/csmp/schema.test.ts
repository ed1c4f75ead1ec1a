import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { allTlvs, messageTypeFor, tlvInfo, tlvName, tlvType, tlvTypes } from '../../../harness/csmp/registry.js';
import { csmpDescriptor } from '../../../harness/csmp/schema/descriptor.js';
import { csmpMessageType, csmpProtoPath, csmpRoot, loadCsmpProto, protoPathBeside } from '../../../harness/csmp/schema/load.js';

const generator = fileURLToPath(new URL('../../../harness/csmp/schema/generate.mjs', import.meta.url));

function field(message: string, name: string): protobuf.Field {
  const f = csmpMessageType(message)?.fields[name];
  if (!f) throw new Error(`no ${message}.${name}`);
  return f;
}

describe('generated schema', () => {
  it('csmp.proto, descriptor.ts and catalogue.ts are what tlv-tables.md generates', () => {
    expect(() => execFileSync(process.execPath, [generator, '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('the .proto file parses to exactly the descriptor module', async () => {
    const fromFile = await loadCsmpProto();
    expect(fromFile.toJSON()).toEqual(csmpDescriptor);
  });

  it('finds csmp.proto from the source tree and from dist/', () => {
    expect(csmpProtoPath()).toMatch(/[\\/]harness[\\/]csmp[\\/]schema[\\/]csmp\.proto$/);
    expect(protoPathBeside('file:///repo/dist/harness/csmp/schema/load.js')).toBe('/repo/harness/csmp/schema/csmp.proto');
    expect(protoPathBeside('file:///repo/harness/csmp/schema/load.ts')).toBe('/repo/harness/csmp/schema/csmp.proto');
  });

  it('covers every TLV of 5.1 and Appendix A: 180 ids, 228 message types', () => {
    expect(allTlvs()).toHaveLength(180);
    const messages = csmpRoot().lookup('csmp') as protobuf.Namespace;
    expect(messages.nestedArray.filter((n) => n instanceof protobuf.Type)).toHaveLength(228);
    const ids = allTlvs().map((t) => t.id);
    for (const id of [1, 2, 3, 6, 7, 8, 11, 12, 13, 16, 17, 18, 21, 22, 23, 25, 30, 31, 32, 33, 34, 35, 36, 42, 43, 44, 45, 47, 48, 53,
      55, 56, 57, 58, 62, 63, 65, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 124, 127, 141, 241, 242, 313, 314, 500,
      10, 19, 20, 24, 28, 29, 37, 52, 54, 61, 84, 150, 303, 525, 601]) {
      expect(ids).toContain(id);
    }
  });

  it('gives every TLV but AgentURL (3) a message type, and every field resolves', () => {
    const missing = allTlvs().filter((t) => !messageTypeFor(t.id)).map((t) => t.id);
    expect(missing).toEqual([3]);
    for (const t of allTlvs()) {
      for (const f of messageTypeFor(t.id)?.fieldsArray ?? []) expect(f.resolve().resolvedType ?? f.type).toBeTruthy();
    }
  });

  it('gives every singular field explicit presence (doc 4.4)', () => {
    const messages = (csmpRoot().lookup('csmp') as protobuf.Namespace).nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
    for (const m of messages) {
      for (const f of m.fieldsArray) {
        if (!f.repeated) expect([m.name, f.name, f.hasPresence]).toEqual([m.name, f.name, true]);
        expect(f.required).toBe(false);
      }
    }
  });

  it.each([
    ['DeviceID', 'id', 2, 'string'],
    ['HardwareDesc', 'entPhysicalName', 7, 'string'],
    ['HardwareDesc', 'entPhysicalFunction', 17, 'uint32'],
    ['HardwareDesc', 'entPhysicalOUI', 18, 'bytes'],
    ['HardwareDesc', 'hwModule', 19, 'HwModule'],
    ['CGMSStatus', 'NMSCertValid', 7, 'bool'],
    ['CGMSStatus', 'NMSAddr', 2, 'bytes'],
    ['SignatureValidity', 'notBefore', 1, 'uint32'],
    ['SignatureValidity', 'notAfter', 2, 'uint32'],
    ['FirmwareImageInfo', 'hwInfo', 11, 'HardwareInfo'],
    ['HardwareInfo', 'hwId', 1, 'string'],
    ['HardwareInfo', 'vendorHwId', 2, 'string'],
    ['IPRouteRPLMetrics', 'rssiForward', 7, 'sint32'],
    ['WPANStatus', 'SSID', 2, 'bytes'],
    ['WPANStatus', 'txPower', 11, 'int32'],
    ['Ieee802154BeaconStats', 'outFramesLPC', 28, 'uint32'],
    ['ReportSubscribe', 'tlvidHeartBeat', 4, 'string'],
    ['IeeeP19012Stats', 'lmac_ver', 1, 'uint32'],
    ['StartDMSession', 'EID', 1, 'bytes'],
    ['SwitchPortDetailMetrics', 'inGoodOctets', 2, 'uint64'],
    ['AdaptiveModulationSettings', 'fastSwCfactorThresh', 4, 'float'],
    ['NAT44StaticMap', 'nat44MapList', 1, 'bytes'],
    ['EventReport', 'id', 3, 'EventIdType'],
    ['VendorTlv', 'subType', 1, 'uint32'],
  ])('%s.%s is field %d of type %s', (message, name, id, type) => {
    const f = field(message, name);
    expect([f.id, f.type]).toEqual([id, type]);
  });

  it('packs repeated numbers on output; repeated strings and bytes are not packable', () => {
    expect(field('CGMSNotification', 'tlvs').packed).toBe(true);
    expect(field('Ieee80211iStatus', 'gtkLifetimes').packed).toBe(true);
    expect(field('TlvIndex', 'tlvid').repeated).toBe(true);
    expect(field('Ieee80211iStatus', 'gtkList').packed).toBe(false);
  });
});

describe('registry', () => {
  it.each([
    [43, 'CGMSStatus'],
    [42, 'CGMSSettings'],
    [127, 'Vendor'],
    [3, 'AgentURL'],
    [75, 'FirmwareImageInfo'],
    [313, 'RPLStats'],
    [601, 'FFNChildStats'],
    [9999, 'Unknown'],
  ])('tlvName(%d) = %s', (id, name) => {
    expect(tlvName(id)).toBe(name);
  });

  it('resolves aliases case-insensitively', () => {
    expect(tlvType('NMSStatus')).toBe(43);
    expect(tlvType('nmsstatus')).toBe(43);
    expect(tlvType('CGMSStatus')).toBe(43);
    expect(tlvType('NMSSettings')).toBe(42);
    expect(tlvType('VendorTlv')).toBe(127);
    expect(tlvType('Vendor TLV')).toBe(127);
    expect(tlvType('NoSuchTlv')).toBeUndefined();
    expect(tlvInfo(43)).toEqual({ id: 43, name: 'CGMSStatus', aliases: ['NMSStatus'], message: 'CGMSStatus' });
    expect(tlvTypes.Signature).toBe(77);
    expect(tlvTypes.SignatureValidity).toBe(76);
  });

  it('maps vendor TLVs to VendorTlv only for the agent vendor type 127', () => {
    expect(messageTypeFor(127, { pen: 5771, vendorType: 127 })?.name).toBe('VendorTlv');
    expect(messageTypeFor(127)?.name).toBe('VendorTlv');
    expect(messageTypeFor(127, { pen: 5771, vendorType: 5 })).toBeUndefined();
    expect(messageTypeFor(9999)).toBeUndefined();
  });
});
