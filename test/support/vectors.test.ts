/** The repository's copies of the reference captures are the shared ones, byte for byte. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS } from './vectors.js';

const SHARED = join(process.cwd(), '..', 'shared', 'vectors');

test.each(['csmp_get.pcap', 'csmp_register.pcap'])('%s: the copy in test/fixtures/vectors is the shared vector', (name) => {
  const copy = readFileSync(join(VECTORS, name));
  expect(copy.subarray(0, 4).toString('hex')).toBe('d4c3b2a1');
  if (!existsSync(SHARED)) return; // a clone without the shared folder beside it has only the copies
  expect(copy.equals(readFileSync(join(SHARED, name)))).toBe(true);
});
