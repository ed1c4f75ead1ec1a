/** Where the FND ↔ agent reference captures live in the repository (test/fixtures/vectors). */
import { join } from 'node:path';

export const VECTORS = join(process.cwd(), 'test', 'fixtures', 'vectors');
