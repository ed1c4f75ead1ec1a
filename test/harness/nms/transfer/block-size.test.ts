import { blockMessageSize, chooseBlockSize, largestBlock } from '../../../../harness/nms/transfer/block-size.js';

test('the largest block keeps the message at 1024 bytes; group messages carry GroupMatch, a= and a token', () => {
  const unicast = largestBlock({});
  const group = largestBlock({ groupId: 317, uriQuery: ['a=1'], tokenLength: 1 });
  expect(blockMessageSize({}, unicast)).toBe(1024);
  expect(blockMessageSize({}, unicast + 1)).toBe(1025);
  // CoAP header 4 + Uri-Path 2 + marker 1; ImageBlock TLV 3 + hash 34 + blockNum 3 + data tag and length 3; DescriptionRequest 6.
  expect(unicast).toBe(1024 - 7 - 3 - 34 - 3 - 3 - 6);
  // Token 1, Uri-Query "a=1" 4, GroupMatch {2, 317} 7.
  expect(group).toBe(unicast - 1 - 4 - 7);
});

test('block size between fileSize/1024 and what fits; a request for larger is capped', () => {
  expect(chooseBlockSize(30 * 1024, {})).toBe(968);
  expect(chooseBlockSize(30 * 1024, {}, 512)).toBe(512);
  expect(chooseBlockSize(30 * 1024, {}, 4096)).toBe(968);
  expect(() => chooseBlockSize(30 * 1024, {}, 16)).toThrow('no block size fits: a 30720-byte image needs blocks of at least 30 bytes (1024-block bitmap), messages allow at most 968, asked for 16');
  expect(() => chooseBlockSize(2_000_000, {})).toThrow(RangeError);
});
