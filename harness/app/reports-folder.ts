/**
 * What a run leaves in its reports folder, and clearing what an earlier run left there. Once the
 * folder is locked, a run removes the earlier run's outputs before writing its own and says which:
 * stale attachments next to a new junit.xml (176 files after a 4-test run) read as this run's
 * evidence, and a stale junit.xml that the new run cannot overwrite reads as this run's verdict.
 * Only csmp-hil's own names are removed; anything else in the folder is left alone.
 */
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { systemReason } from '../../core/atomic-write.js';
import { ResourceError } from '../../core/errors.js';

/** Names a run writes in its reports folder (reporters' default files, the attachments, the virtual rig). */
export const RUN_OUTPUTS = ['junit.xml', 'events.jsonl', 'report.html', 'attachments', 'reproducers', 'rig'] as const;
/** Temporary files of atomic writes (core/atomic-write.ts) a killed run may have left. */
const TEMPORARY = /^\..+\.\d+\.\d+\.tmp$/;

export interface Cleared {
  /** What was removed, as shown: "attachments/ (176 files)", "junit.xml". */
  removed: string[];
}

/**
 * Removes the earlier run's outputs from `dir`: the standard names, and `extra` files (reporter
 * files named with `=file`) that lie inside it. Throws ResourceError when they cannot be removed.
 */
export function clearEarlierRun(dir: string, extra: readonly string[] = []): Cleared {
  const names = outputNames(dir, extra);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    throw new ResourceError(dir, 'unavailable', `cannot read the reports folder: ${systemReason(e)}`, { cause: e });
  }
  for (const n of entries) if (TEMPORARY.test(n)) names.add(n);
  const removed: string[] = [];
  for (const name of [...names].sort()) {
    const path = join(dir, name);
    let files: number;
    try {
      files = countFiles(path);
    } catch {
      continue; // not there
    }
    try {
      rmSync(path, { recursive: true, force: true });
    } catch (e) {
      throw new ResourceError(path, 'unavailable', `cannot remove what an earlier run left: ${systemReason(e)}`, { cause: e });
    }
    removed.push(files < 0 ? name : `${name}/ (${files} file${files === 1 ? '' : 's'})`);
  }
  return { removed };
}

/** Whether clearEarlierRun(dir, extra) would remove `path` (it, or a folder holding it). */
export function clearedBy(dir: string, extra: readonly string[], path: string): boolean {
  const rel = inside(dir, path);
  if (rel === undefined) return false;
  const names = outputNames(dir, extra);
  const parts = rel.split(sep);
  return parts.some((_, i) => names.has(parts.slice(0, i + 1).join(sep))) || (parts.length === 1 && TEMPORARY.test(rel));
}

function outputNames(dir: string, extra: readonly string[]): Set<string> {
  const names = new Set<string>(RUN_OUTPUTS);
  for (const f of extra) {
    const rel = inside(dir, f);
    if (rel !== undefined) names.add(rel);
  }
  return names;
}

/** `path` relative to `dir` when it lies below it. */
function inside(dir: string, path: string): string | undefined {
  const rel = relative(resolve(dir), resolve(path));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : undefined;
}

/** -1 for a file, the number of files below for a folder; throws when `path` is not there. */
function countFiles(path: string): number {
  const st = lstatSync(path);
  if (!st.isDirectory()) return -1;
  let n = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) n += e.isDirectory() ? countFiles(join(path, e.name)) : 1;
  return n;
}
