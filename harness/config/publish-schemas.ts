/**
 * The published JSON Schemas in suites/schema/ are generated from the TypeScript tables so editors and
 * the loaders can never disagree; a test fails when the files are stale. Regenerate with
 * `node dist/harness/config/publish-schemas.js`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rigSchema } from './rig-schema.js';
import { suiteSchema } from './suite-schema.js';

export const SCHEMA_FILES = {
  'rig.schema.json': rigSchema,
  'suite.schema.json': suiteSchema,
} as const;

export function renderSchema(name: keyof typeof SCHEMA_FILES): string {
  return `${JSON.stringify(SCHEMA_FILES[name](), null, 2)}\n`;
}

export function writeSchemas(dir: string): void {
  for (const name of Object.keys(SCHEMA_FILES) as (keyof typeof SCHEMA_FILES)[]) writeFileSync(join(dir, name), renderSchema(name));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeSchemas(process.argv[2] ?? 'suites/schema');
}
