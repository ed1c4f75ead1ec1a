/**
 * The published JSON Schemas, generated from the TypeScript tables so editors and the loaders can
 * never disagree; a test fails when the files are stale. Each sits beside the files it describes:
 * rigs/schema/rig.schema.json, suites/schema/suite.schema.json. Regenerate with
 * `npm run build && node dist/harness/app/publish-schemas.js` (from the repository root).
 *
 * It lives in the composition root because the rig schema an editor needs is two owners' work:
 * harness/config's rig file (links, devices, NMS) and the virtual rig's own `virtual:` section
 * (its fault models, hops, firmware slots), which harness/config must not know.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rigSchema } from '../config/rig-schema.js';
import type { JsonSchema } from '../config/step-kit.js';
import { suiteSchema } from '../config/suite-schema.js';
import { virtualSectionSchema } from '../../rigs/virtual/config.js';

/** The rig file as an editor checks it: the loader's schema with the `virtual:` section typed. */
export function publishedRigSchema(): JsonSchema {
  const schema = rigSchema();
  return { ...schema, properties: { ...(schema['properties'] as Record<string, JsonSchema>), virtual: virtualSectionSchema() } };
}

/** Path from the repository root → the schema written there. */
export const SCHEMA_FILES = {
  'rigs/schema/rig.schema.json': publishedRigSchema,
  'suites/schema/suite.schema.json': suiteSchema,
} as const;

export type SchemaFile = keyof typeof SCHEMA_FILES;

export function renderSchema(file: SchemaFile): string {
  return `${JSON.stringify(SCHEMA_FILES[file](), null, 2)}\n`;
}

export function writeSchemas(root: string): void {
  for (const file of Object.keys(SCHEMA_FILES) as SchemaFile[]) {
    const path = join(root, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, renderSchema(file));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeSchemas(process.argv[2] ?? '.');
}
