/**
 * Reports, captures and the virtual boards' flash files are replaced whole, so a reader (or a run
 * killed mid-write) sees the old file or the new one, never half of one. write-file-atomic does
 * the temporary-file-and-rename; this adds the parent folder, which it does not create.
 * Synchronous on purpose: the JUnit file is rewritten from signal handlers, and the simulated
 * agent reads flash synchronously.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import writeFileAtomicLib from 'write-file-atomic';

export function writeFileAtomic(path: string, data: string | Uint8Array, options: { fsync?: boolean } = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  const bytes = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  writeFileAtomicLib.sync(path, bytes, { fsync: options.fsync ?? true });
}
