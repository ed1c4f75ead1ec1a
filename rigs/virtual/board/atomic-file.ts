/**
 * Flash files are replaced whole: written to a temporary name beside the target, then renamed
 * over it, so a killed run (or a reader racing a writer) never sees half a configuration. Sync
 * on purpose: the agent reads flash through MeterPlatform.settings(), which is synchronous, and
 * the files are a few kilobytes.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';

let sequence = 0;

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}-${++sequence}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
