import { describe, expect, it } from '@jest/globals';
import { buildPayload, decodePayload } from '../../../harness/csmp/payload.js';
import { expectedGroup, groupsOf } from '../../../harness/nms/groups.js';

describe('groupsOf', () => {
  it('maps each GroupInfo type to its id and ignores other TLVs and incomplete rows', () => {
    const { tlvs } = decodePayload(
      buildPayload(
        [
          { type: 2, fields: { type: 1, id: '0A0027FFFE3B2AB2' } },
          { type: 58, fields: { type: 2, id: 317 } },
          { type: 58, fields: { type: 1, id: 42 } },
          { type: 58, fields: { type: 3 } },
          { type: 55, fields: { type: 2, id: 999 } },
        ],
        { lengthStyle: 'agent' },
      ),
    );
    expect([...groupsOf(tlvs)]).toEqual([
      [2, 317],
      [1, 42],
    ]);
    expect(groupsOf([]).size).toBe(0);
  });
});

describe('expectedGroup', () => {
  it('takes a uint32 as number or digits, and nothing else', () => {
    expect(expectedGroup(317)).toBe(317);
    expect(expectedGroup('317')).toBe(317);
    expect(expectedGroup(0xffff_ffff)).toBe(0xffff_ffff);
    expect(expectedGroup(undefined)).toBeUndefined();
    expect(expectedGroup(-1)).toBeUndefined();
    expect(expectedGroup(0x1_0000_0000)).toBeUndefined();
    expect(expectedGroup('3.5')).toBeUndefined();
    expect(expectedGroup('abc')).toBeUndefined();
  });
});
