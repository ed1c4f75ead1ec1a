/**
 * Where the default rig and suites are: `rigs/virtual.yaml` and `suites/` of the working
 * directory when it has them (a clone, a lab's own checkout), else those shipped with the
 * package (`npx hil run` from anywhere).
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, whether this module runs from source or from dist/. */
export function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const inDist = here.lastIndexOf(`${'/'}dist${'/'}harness`);
  return inDist >= 0 ? here.slice(0, inDist) : resolve(here, '..', '..');
}

function pick(rel: string): string {
  if (existsSync(rel)) return rel;
  const shipped = join(packageRoot(), rel);
  // Shown relative when it is below the working directory: report paths stay short.
  const r = relative(process.cwd(), shipped);
  return r.startsWith('..') ? shipped : r;
}

export const defaultRigFile = (): string => pick(join('rigs', 'virtual.yaml'));
export const defaultSuitesDir = (): string => pick('suites');
export const DEFAULT_REPORTS_DIR = 'reports';
/** Where `hil run --history` appends and `hil history` reads when no folder is given. */
export const DEFAULT_HISTORY_DIR = join('reports', 'history');
