/** Issue 14 items 6 and 7: evidence paths that never collide; link trouble said in failures. */
import { attachmentBase } from '../../harness/report/attachment-paths.js';
import { describeLinkDrops } from '../../harness/steps/link-trouble.js';

const test1 = { id: 'a1b2c3d4e5f60718', suite: { name: 'registration' }, device: { name: 'meter-1' }, name: 'a/b' };
const test2 = { id: '0f1e2d3c4b5a6978', suite: { name: 'registration' }, device: { name: 'meter-1' }, name: 'a b' };

describe('attachment paths', () => {
  test("tests whose names make the same slug ('a/b', 'a b') get different, stable files", () => {
    expect(attachmentBase('/r', test1, 0)).toBe('/r/registration/meter-1/a-b-a1b2c3d4');
    expect(attachmentBase('/r', test2, 0)).toBe('/r/registration/meter-1/a-b-0f1e2d3c');
    expect(attachmentBase('/r', test1, 2)).toBe('/r/registration/meter-1/a-b-a1b2c3d4.retry2');
  });

  test('titles sharing their first 80 characters still differ', () => {
    const long = 'x'.repeat(100);
    expect(attachmentBase('/r', { ...test1, name: `${long}1` }, 0)).not.toBe(attachmentBase('/r', { ...test2, name: `${long}2` }, 0));
  });
});

describe('link drops in a failure', () => {
  test('frames and bytes dropped during the test, by reason', () => {
    const before = { link: 'dongle', counts: { 'bad-escape': 1 }, bytes: { 'bad-escape': 10 } };
    const now = { link: 'dongle', counts: { 'bad-escape': 3, oversize: 60 }, bytes: { 'bad-escape': 30, oversize: 125_829_120 } };
    expect(describeLinkDrops(before, now)).toBe('link dongle dropped 62 frames (120.0 MiB) in this test: 2 bad-escape, 60 oversize');
  });

  test('nothing dropped: nothing said', () => {
    const s = { link: 'dongle', counts: { oversize: 2 }, bytes: {} };
    expect(describeLinkDrops(s, s)).toBeUndefined();
  });
});
