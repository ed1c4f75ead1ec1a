import { firmwareMismatches, runningImage } from '../../../harness/nms/firmware-image.js';

const rows = [
  { index: 1, version: '5.6.20', isRunning: false, hwInfo: { hwId: 'RFLAN/3.60/3.80' } },
  { index: 2, version: '5.6.21', isRunning: true, hwInfo: { hwId: 'RFLAN/3.60/3.80' } },
];

describe('the running image against the expected firmware', () => {
  test('the row marked running gives version and hwId; none marked gives no slot', () => {
    expect(runningImage(rows)).toEqual({ slot: rows[1], version: '5.6.21', hwId: 'RFLAN/3.60/3.80' });
    expect(runningImage([rows[0]!])).toEqual({});
  });

  test('each differing field is named; an empty expectation (ad-hoc device) is none', () => {
    const image = runningImage(rows);
    expect(firmwareMismatches(image, { firmwareVersion: '5.6.21', hwId: 'RFLAN/3.60/3.80' })).toEqual([]);
    expect(firmwareMismatches(image, { firmwareVersion: '5.6.22', hwId: 'rflan/3.60/3.80' })).toEqual([
      { field: 'version', seen: '5.6.21', expected: '5.6.22' },
      { field: 'hwId', seen: 'RFLAN/3.60/3.80', expected: 'rflan/3.60/3.80' },
    ]);
    expect(firmwareMismatches(image, { firmwareVersion: '', hwId: '' })).toEqual([]);
  });
});
