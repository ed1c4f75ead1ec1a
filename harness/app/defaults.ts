/**
 * Where a command's rig, suites and reports are when the command line does not say. Highest
 * first: the environment (`HIL_RIG`, `HIL_REPORTS`), the lab's `hil.config.yaml`
 * (harness/config/hil-config.ts), then `rigs/virtual.yaml`, `suites/` and `reports/` of the working
 * directory when it has them (a clone, a lab's own checkout), else the rig and suites shipped with
 * the package (`npx hil run` from anywhere).
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadHilConfig, type HilConfig } from '../config/hil-config.js';

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

/** The lab's hil.config.yaml, read on first use; a broken one is a ConfigError there (exit 2). */
function config(): HilConfig | undefined {
  return loadHilConfig();
}

export const defaultRigFile = (): string => process.env.HIL_RIG || config()?.rig || pick(join('rigs', 'virtual.yaml'));
export const defaultSuitesDir = (): string => config()?.suites?.[0] ?? pick('suites');
/** Every default suite path (a config file may list several). */
export const defaultSuitePaths = (): string[] => config()?.suites ?? [pick('suites')];
export const defaultReportsDir = (): string => process.env.HIL_REPORTS || config()?.reports || DEFAULT_REPORTS_DIR;
export const DEFAULT_REPORTS_DIR = 'reports';
/** Where `hil run --history` appends and `hil history` reads when no folder is given. */
export const DEFAULT_HISTORY_DIR = join('reports', 'history');
