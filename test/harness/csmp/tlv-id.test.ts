import { expectDecodeError } from '../../support/errors.js';
import { formatTlvId, formatTlvIdList, parseTlvId, parseTlvIdList, sameTlvId } from '../../../harness/csmp/tlv-id.js';

const CISCO_VENDOR = { type: 127, vendor: { pen: 5771, vendorType: 127 } };

describe('parseTlvId', () => {
  it.each([
    ['1', { type: 1 }],
    ['75', { type: 75 }],
    ['313', { type: 313 }],
    ['e5771.127', CISCO_VENDOR],
    ['e1233.5', { type: 127, vendor: { pen: 1233, vendorType: 5 } }],
  ])('%s', (text, id) => {
    expect(parseTlvId(text)).toEqual(id);
    expect(formatTlvId(parseTlvId(text))).toBe(text);
  });

  it('lenient mode reads like the agent: "22abc" is 22', () => {
    expect(parseTlvId('22abc', { lenient: true })).toEqual({ type: 22 });
    expect(parseTlvId('e5771.127x', { lenient: true })).toEqual(CISCO_VENDOR);
  });

  it.each([
    ['', 0, 'truncated'],
    ['abc', 0, 'bad-value'],
    ['22abc', 2, 'trailing-bytes'],
    ['e5771', 0, 'bad-value'],
    ['-1', 0, 'bad-value'],
    ['4294967296', 0, 'too-large'],
  ] as const)('rejects %j at %d: %s', (text, offset, code) => {
    expectDecodeError(() => parseTlvId(text), { layer: 'tlv', code, offset });
  });
});

describe('parseTlvIdList', () => {
  it.each([
    ['2 22', [{ type: 2 }, { type: 22 }]],
    ['2+22', [{ type: 2 }, { type: 22 }]],
    ['2%2022', [{ type: 2 }, { type: 22 }]],
    ['q=2 22', [{ type: 2 }, { type: 22 }]],
    ['  75  + %20e5771.127 ', [{ type: 75 }, CISCO_VENDOR]],
    ['', []],
    ['q=', []],
  ])('%j', (text, ids) => {
    expect(parseTlvIdList(text)).toEqual(ids);
  });

  it('the agent does not split on "+" (doc 8.7: q=2+22 answers DeviceID only)', () => {
    expect(parseTlvIdList('2+22', { plusSeparates: false, lenient: true })).toEqual([{ type: 2 }]);
    expectDecodeError(() => parseTlvIdList('2+22', { plusSeparates: false }), { layer: 'tlv', code: 'trailing-bytes', offset: 1 });
  });

  it('reports the character offset of a bad item', () => {
    expectDecodeError(() => parseTlvIdList('2 x 22'), { layer: 'tlv', code: 'bad-value', offset: 2 });
  });

  it('formats lists with a chosen separator', () => {
    expect(formatTlvIdList([{ type: 2 }, { type: 22 }])).toBe('2 22');
    expect(formatTlvIdList([{ type: 2 }, CISCO_VENDOR], '+')).toBe('2+e5771.127');
  });
});

describe('sameTlvId', () => {
  it('compares type and vendor', () => {
    expect(sameTlvId({ type: 2 }, { type: 2 })).toBe(true);
    expect(sameTlvId({ type: 2 }, { type: 22 })).toBe(false);
    expect(sameTlvId(CISCO_VENDOR, { type: 127 })).toBe(false);
    expect(sameTlvId(CISCO_VENDOR, { type: 127, vendor: { pen: 5771, vendorType: 127 } })).toBe(true);
    expect(sameTlvId(CISCO_VENDOR, { type: 127, vendor: { pen: 1233, vendorType: 127 } })).toBe(false);
  });
});
