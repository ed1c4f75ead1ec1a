import { TLV } from '../../../harness/csmp/tlv-ids.js';
import { allTlvs, tlvType } from '../../../harness/csmp/registry.js';

test('the id table is the catalogue: every name maps to its catalogued id, and every catalogued TLV is named', () => {
  for (const [name, id] of Object.entries(TLV)) expect([name, tlvType(name)]).toEqual([name, id]);
  expect(allTlvs().map((t) => t.id)).toEqual(Object.values(TLV).sort((a, b) => a - b));
});

test('a few ids the flows depend on (doc 5.1)', () => {
  expect([TLV.DeviceID, TLV.SessionID, TLV.ReportSubscribe, TLV.GroupAssign, TLV.GroupMatch, TLV.FirmwareImageInfo, TLV.Signature]).toEqual([2, 7, 13, 55, 57, 75, 77]);
});
