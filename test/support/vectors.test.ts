/** The repository's copies of the reference captures are the shared ones, byte for byte. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../../core/bytes.js';
import { VECTORS } from './vectors.js';

const SHARED = join(process.cwd(), '..', 'shared', 'vectors');
const NAMES = ['csmp_get.pcap', 'csmp_register.pcap'];

test.each(NAMES)('%s: the copy in test/fixtures/vectors is a classic pcap', (name) => {
  expect(toHex(readFileSync(join(VECTORS, name)).subarray(0, 4))).toBe('d4c3b2a1');
});

// A clone without the shared folder beside it has only the copies: nothing to compare, and the
// report says so instead of counting a comparison that never ran as passed.
const haveShared = existsSync(SHARED);
if (!haveShared) console.warn(`skipped: the copies are not compared with the shared vectors, ${SHARED} is absent`);

(haveShared ? test : test.skip).each(NAMES)('%s: the copy in test/fixtures/vectors is the shared vector', (name) => {
  expect(readFileSync(join(VECTORS, name)).equals(readFileSync(join(SHARED, name)))).toBe(true);
});
