/**
 * `mkdir -p` that cannot spin. Node's `mkdirSync(dir, { recursive: true })` never returns for a
 * path under /proc (each mkdir says ENOENT and it tries the parent again, forever, on the main
 * thread, so not even a signal is handled). Here each missing component is made once, in order,
 * and the first failure is thrown as it is (ENOENT, EACCES, EROFS, ENOTDIR …).
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    try {
      if (statSync(at).isDirectory()) break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      missing.push(at);
      const up = dirname(at);
      if (up === at) break;
      at = up;
      continue;
    }
    // Exists but is not a directory: let mkdir say so (EEXIST/ENOTDIR) with the path.
    mkdirSync(at);
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      // Made meanwhile by another process: fine, as mkdir -p.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(d).isDirectory()) throw e;
    }
  }
}
