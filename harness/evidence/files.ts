/** Hashing the files of a bundle folder: every regular file below it, by path relative to it. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { EvidenceFile } from './statement.js';

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Relative paths ('/' separated, sorted) of every file below `dir`. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

export function hashFile(dir: string, path: string): EvidenceFile {
  const bytes = readFileSync(join(dir, ...path.split('/')));
  return { path, digest: { sha256: sha256Hex(bytes) }, size: bytes.length };
}
