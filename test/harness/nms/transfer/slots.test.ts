import { decodePayload } from '../../../../harness/csmp/payload.js';
import { buildPayload } from '../../../../harness/csmp/payload.js';
import { answerOf } from '../../../../harness/nms/transfer/commands.js';
import { describeSlot, firmwareSlots, slotHolding, slotMissing } from '../../../../harness/nms/transfer/slots.js';
import type { ClientAnswer } from '../../../../harness/nms/client.js';

const hash = (b: number) => new Uint8Array(32).fill(b);
const rows = (...fields: Record<string, unknown>[]) => decodePayload(buildPayload(fields.map((f) => ({ type: 75, fields: f })), { lengthStyle: 'agent' })).tlvs;

test('FirmwareImageInfo rows: flags default to false, bitmapOffset to 0; the slot of an image prefers the non-backup copy', () => {
  const slots = firmwareSlots(
    rows(
      { index: 1, fileHash: hash(1), version: '5.6.21', fileSize: 100, isRunning: true, hwInfo: { hwId: 'HW' } },
      { index: 2, fileHash: hash(2), version: '6.0.1', fileSize: 5000, blockSize: 512, bitmap: Uint8Array.of(0xf0, 0x40), bitmapOffset: 0 },
      { index: 3, fileHash: hash(2), version: '6.0.1', fileSize: 5000, isDefault: true },
    ),
  );
  expect(slots.map((s) => [s.index, s.isRunning, s.isDefault, s.bitmapOffset, s.hwId])).toEqual([
    [1, true, false, 0, 'HW'],
    [2, false, false, 0, undefined],
    [3, false, true, 0, undefined],
  ]);
  expect(slotHolding(slots, hash(2))!.index).toBe(2);
  expect(slotMissing(slots[1]!, 10)).toEqual([4, 5, 6, 7, 8]);
  expect(describeSlot(slots[1]!)).toBe('slot 2  6.0.1  -  5000 B  sha256 0202020202020202…  blocks 5/10');
  expect(describeSlot(slots[0]!)).toBe('slot 1  5.6.21  -  100 B  sha256 0101010101010101…  hw HW  running');
});

test('firmware answers by name: 2.01 empty accepts a TransferRequest only; refusals and CoAP errors are not ok', () => {
  const answer = (code: string, tlvs: { type: number; fields: Record<string, unknown> }[]): ClientAnswer => {
    const payload = buildPayload(tlvs, { lengthStyle: 'agent' });
    return { device: 'm1', request: {} as ClientAnswer['request'], code, tlvs: decodePayload(payload).tlvs, payload, async: false, sentFrom: 'fd00::1', arrivedAt: 'fd00::1' };
  };
  expect(answerOf(answer('2.01', []), 71, true)).toMatchObject({ ok: true, name: 'accepted' });
  expect(answerOf(answer('2.01', []), 72, false)).toMatchObject({ ok: false, name: 'no response' });
  expect(answerOf(answer('2.01', [{ type: 71, fields: { fileHash: hash(2), response: 1 } }]), 71, true)).toEqual({
    device: 'm1',
    coap: '2.01',
    response: 1,
    name: 'INCOMPATIBLE_HW',
    ok: false,
    describe: "m1 answered 1 INCOMPATIBLE_HW (the image's hardware id is not this device's)",
  });
  expect(answerOf(answer('2.01', [{ type: 72, fields: { response: 0, loadTime: 1700000000 } }]), 72, false)).toMatchObject({ ok: true, name: 'OK', loadTime: 1700000000 });
  expect(answerOf(answer('4.01', []), 72, false)).toMatchObject({ ok: false, name: 'CoAP 4.01' });
});
