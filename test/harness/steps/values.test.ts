import { describe, expect, test } from '@jest/globals';
import { parseRig } from '../../../harness/config/rig.js';
import { expectConfigError } from '../../support/errors.js';
import { rigVariables, substitute } from '../../../harness/steps/rig-values.js';
import { compareNumbers, fieldAt, holds, matchingRows, sameValue, valueText } from '../../../harness/steps/values.js';
import { rigYaml } from './support/memory-bench.js';

describe('values as expectations read them', () => {
  const slot = { index: 1, version: '5.6.21', isRunning: true, hwInfo: { hwId: 'RFLAN/3.60/3.80' }, fileHash: Uint8Array.of(0x11, 0x22), SSID: new TextEncoder().encode('CRDC') };

  test('dotted paths; absent parts are undefined', () => {
    expect(fieldAt(slot, 'hwInfo.hwId')).toBe('RFLAN/3.60/3.80');
    expect(fieldAt(slot, 'hwInfo.vendorHwId')).toBeUndefined();
    expect(fieldAt(slot, 'version.length')).toBeUndefined();
    expect(fieldAt(undefined, 'x')).toBeUndefined();
  });

  test('suite values compare as a reader means them', () => {
    expect(sameValue(317, '317')).toBe(true);
    expect(sameValue(317, 317)).toBe(true);
    expect(sameValue(317, '318')).toBe(false);
    expect(sameValue(7n ** 30n, 7n ** 30n)).toBe(true);
    expect(sameValue(true, 'true')).toBe(true);
    expect(sameValue(false, true)).toBe(false);
    expect(sameValue(slot.SSID, 'CRDC')).toBe(true);
    expect(sameValue(slot.fileHash, '11:22')).toBe(true);
    expect(sameValue(undefined, false)).toBe(false);
    expect(sameValue(['2', '35'], ['2', '35'])).toBe(true);
  });

  test('loose in representation, never in content', () => {
    // A uint64 off by one from the suite's value, beyond what a double holds exactly.
    expect(sameValue(18446744073709551615n, '18446744073709551614')).toBe(false);
    expect(sameValue(18446744073709551615n, '18446744073709551615')).toBe(true);
    expect(sameValue(2n ** 53n + 1n, 2 ** 53)).toBe(false);
    expect(holds('lte', 2n ** 53n + 1n, 2 ** 53)).toBe(false);
    expect(holds('gte', 2n ** 53n, 2 ** 53)).toBe(true);
    // An absent field equals nothing and differs from nothing.
    expect(sameValue(undefined, null)).toBe(false);
    expect(sameValue(null, null)).toBe(false);
    expect(holds('notEquals', undefined, 'unknown')).toBe(false);
    expect(holds('notEquals', 'RFLAN', 'unknown')).toBe(true);
    // An object equals one with the same fields, no more and no fewer (undefined is no field).
    expect(sameValue({ hwId: 'RFLAN', vendorHwId: 'x' }, { hwId: 'RFLAN' })).toBe(false);
    expect(sameValue({ hwId: 'RFLAN', vendorHwId: undefined }, { hwId: 'RFLAN' })).toBe(true);
    expect(sameValue({ hwId: 'RFLAN' }, { hwId: 'RFLAN', vendorHwId: 'x' })).toBe(false);
    expect(sameValue({ hwId: 'RFLAN' }, ['RFLAN'])).toBe(false);
    // Text that is not a number is not a number.
    expect(sameValue(0, '')).toBe(false);
    expect(sameValue(317, '317x')).toBe(false);
    // A uint64 inside an object can be matched as text (JSON cannot carry a bigint).
    expect(holds('matches', { count: 2n ** 64n - 1n }, '18446744073709551615')).toBe(true);
  });

  test('integers against floats compare exactly on both sides', () => {
    expect(compareNumbers(3n, 2.5)).toBe(1);
    expect(compareNumbers(2n, 2.5)).toBe(-1);
    expect(compareNumbers(2.5, 2n)).toBe(1);
    expect(compareNumbers(-3n, -2.5)).toBe(-1);
    expect(compareNumbers(-2n, -2.5)).toBe(1);
    expect(compareNumbers(2n ** 60n, 2 ** 60)).toBe(0);
    expect(compareNumbers(2n ** 60n + 1n, 2 ** 60)).toBe(1);
    expect(compareNumbers('1.5', 1.5)).toBe(0);
    expect(compareNumbers('x', 1)).toBeUndefined();
    expect(compareNumbers(Number.NaN, 1)).toBeUndefined();
  });

  test('row selection and texts for messages', () => {
    const rows = [slot, { index: 2, version: '', isRunning: undefined }];
    expect(matchingRows(rows, { isRunning: true })).toEqual([slot]);
    expect(matchingRows(rows, { 'hwInfo.hwId': 'RFLAN/3.60/3.80', index: '1' })).toEqual([slot]);
    expect(valueText(slot.SSID)).toBe('"CRDC" (43524443)');
    expect(valueText(Uint8Array.of(0xff, 0))).toBe('ff00');
    expect(valueText(undefined)).toBe('absent');
    expect(valueText(new Uint8Array(0))).toBe('empty bytes');
  });
});

describe('rig values in suites', () => {
  const rig = parseRig(rigYaml(1), 'memory.rig.yaml');
  const vars = rigVariables(rig, rig.devices[0]!);

  test('a whole reference keeps a number a number; inside text it is spliced', () => {
    expect(substitute('${expected.firmwareGroup}', vars, 'here')).toBe(317);
    expect(substitute({ tlvs: { '55': { type: 2, id: '${expected.firmwareGroup}' } } }, vars, 'here')).toEqual({ tlvs: { '55': { type: 2, id: 317 } } });
    expect(substitute('fw ${expected.firmwareVersion} on ${device.name}', vars, 'here')).toBe('fw 5.6.21 on meter-1');
    expect(substitute('${nms.vip}', vars, 'here')).toBe('fd00::2');
    expect(String(substitute('${nms.certBase64}', vars, 'here'))).toMatch(/^LS0tLS1CRUdJTi/);
  });

  test('an unknown name is a ConfigError listing the known ones', () => {
    const e = expectConfigError(() => substitute('${expected.version}', vars, 'suites/x.yaml:3:5'), { where: 'suites/x.yaml:3:5', code: 'reference' });
    expect(e.reason).toMatch(/^\$\{expected\.version\} is not known here \(known: device\.address, /);
  });
});
