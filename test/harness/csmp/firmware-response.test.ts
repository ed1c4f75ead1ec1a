import { describeFirmwareResponse, FIRMWARE_RESPONSE, firmwareResponseName } from '../../../harness/csmp/firmware-response.js';

test('codes 0-13 by name (draft 0-9, csmp-agent-lib 10-13); unknown numbers kept', () => {
  expect(Object.values(FIRMWARE_RESPONSE)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  expect([0, 1, 2, 5, 9, 11, 13].map(firmwareResponseName)).toEqual(['OK', 'INCOMPATIBLE_HW', 'IMAGE_INCOMPLETE', 'SIGNATURE_FAILED', 'IMAGE_RUNNING', 'DUP_XFER', 'MATCH_BAK_XFER']);
  expect(firmwareResponseName(42)).toBe('code 42');
  expect(describeFirmwareResponse(1)).toBe("1 INCOMPATIBLE_HW (the image's hardware id is not this device's)");
  expect(describeFirmwareResponse(42)).toBe('42 (not a firmware response code of any source)');
});
