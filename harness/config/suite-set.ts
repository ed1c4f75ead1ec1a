/**
 * A named, versioned set of suite files (suites/sets/*.yaml), e.g. the certification set `hil
 * certify` runs. Patterns are matched against the file names of the suites folder, so new suites
 * join a set without editing it; the set's version and each file's SHA-256 go into the evidence.
 *
 *   set: certification
 *   version: 1
 *   include: ['*.yaml']
 *   exclude: ['9-demo-*.yaml']
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { YamlSource } from './yaml-source.js';

export interface SuiteSet {
  file: string;
  /** SHA-256 of the set file. */
  sha256: string;
  name: string;
  version: number | string;
  /** The suite files it selects, sorted by name, with their SHA-256. */
  suites: { file: string; sha256: string }[];
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** `*` any run of characters but '/', `?` one; nothing else is special. */
function patternRegex(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

export async function loadSuiteSet(file: string, suitesDir: string): Promise<SuiteSet> {
  let text: Buffer;
  try {
    text = await readFile(file);
  } catch (e) {
    throw new ConfigError(file, 'file', `cannot read suite set: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const src = YamlSource.parse(text.toString('utf8'), file);
  const raw = src.value as { set?: unknown; version?: unknown; include?: unknown; exclude?: unknown } | null;
  const at = (path: string): string => `${file}:${src.position([path]).line}:${src.position([path]).col}`;
  if (!raw || typeof raw !== 'object') throw new ConfigError(file, 'schema', 'a suite set is a mapping with set, version, include');
  if (typeof raw.set !== 'string' || !raw.set) throw new ConfigError(at('set'), 'schema', 'set: a name is required');
  if (typeof raw.version !== 'number' && typeof raw.version !== 'string') throw new ConfigError(at('version'), 'schema', 'version: a number or text is required');
  const list = (key: 'include' | 'exclude', required: boolean): string[] => {
    const v = raw[key];
    if (v === undefined && !required) return [];
    if (!Array.isArray(v) || !v.every((p) => typeof p === 'string' && p.length > 0)) throw new ConfigError(at(key), 'schema', `${key}: a list of file patterns is required`);
    return v as string[];
  };
  const include = list('include', true).map(patternRegex);
  const exclude = list('exclude', false).map(patternRegex);
  let names: string[];
  try {
    names = (await readdir(suitesDir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (e) {
    throw new ConfigError(suitesDir, 'file', `cannot read the suites folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const chosen = names.filter((n) => include.some((r) => r.test(n)) && !exclude.some((r) => r.test(n)));
  if (!chosen.length) throw new ConfigError(at('include'), 'reference', `no suite file in ${suitesDir} matches the set`);
  const suites = await Promise.all(chosen.map(async (n) => ({ file: join(suitesDir, n), sha256: sha256(await readSuiteFile(join(suitesDir, n))) })));
  return { file, sha256: sha256(text), name: raw.set, version: raw.version, suites };
}

/** A suite file the set selects; a folder or an unreadable file named like one is a ConfigError with its path. */
async function readSuiteFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(path, 'file', code === 'EISDIR' ? 'cannot read suite file: it is a folder (EISDIR)' : `cannot read suite file: ${code ?? (e as Error).message}`);
  }
}

export const DEFAULT_SET = (suitesDir: string): string => join(suitesDir, 'sets', 'certification.yaml');
export const setLabel = (s: SuiteSet): string => `${s.name} v${s.version} (${basename(s.file)})`;
