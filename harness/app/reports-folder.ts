/**
 * What a run leaves in its reports folder, and clearing what an earlier run left there. Once the
 * folder is locked, a run sets the earlier run's outputs aside, and removes them (saying which) once
 * it starts writing its own: stale attachments next to a new junit.xml (176 files after a 4-test
 * run) read as this run's evidence, and a stale junit.xml that the new run cannot overwrite reads as
 * this run's verdict. A run that cannot start puts them back as they were: it wrote nothing, and
 * must not lose what the earlier run recorded. Only csmp-hil's own names are moved or removed;
 * anything else in the folder is left alone.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { systemReason } from '../../core/atomic-write.js';
import { ResourceError } from '../../core/errors.js';

/** Names a run writes in its reports folder (reporters' default files, the attachments, the virtual rig). */
export const RUN_OUTPUTS = ['junit.xml', 'events.jsonl', 'report.html', 'attachments', 'reproducers', 'rig'] as const;
/** Temporary files of atomic writes (core/atomic-write.ts) a killed run may have left. */
const TEMPORARY = /^\..+\.\d+\.\d+\.tmp$/;
/** Where a starting run keeps the earlier run's outputs (setAsideEarlierRun). */
const ASIDE_PREFIX = '.hil-earlier-';
const SET_ASIDE = /^\.hil-earlier-[A-Za-z0-9]{6}$/;

export interface Cleared {
  /** What was removed, as shown: "attachments/ (176 files)", "junit.xml". */
  removed: string[];
}

/**
 * What an earlier run left in a reports folder, moved out of the way while this run starts: renamed
 * (same folder, so nothing is copied) into a hidden `.hil-earlier-XXXXXX/` folder. A run that
 * starts writing discards it; a run that cannot start (a reporter file that cannot be opened, a rig
 * that will not open, a history that cannot be read, anything thrown before the first test) restores
 * it, so a start-up failure leaves the earlier run's files exactly as they were and no report reads
 * as this run's. A run killed while starting leaves the hidden folder; the next run sets it aside
 * with the rest (and so discards or restores it with them).
 */
export interface EarlierRun {
  /** What was set aside, as shown: "attachments/ (176 files)", "junit.xml"; empty when nothing was there. */
  readonly found: readonly string[];
  /**
   * This run has started writing: what was set aside is removed for good. Never throws: what cannot
   * be removed stays hidden in the set-aside folder (named in `leftover`), where the next run clears it.
   */
  discard(): Cleared & { leftover?: string };
  /**
   * This run could not start: whatever it made under a run output's name is removed and the earlier
   * run's files are put back. Never throws; returns what could not be done, one line each.
   */
  restore(): string[];
}

/**
 * Sets aside the earlier run's outputs in `dir`: the standard names, `extra` files (reporter files
 * named with `=file`) that lie inside it, temporary files of interrupted writes, and folders an
 * earlier start-up left set aside. Throws ResourceError when they cannot be moved (having put back
 * what it had moved).
 */
export function setAsideEarlierRun(dir: string, extra: readonly string[] = []): EarlierRun {
  const names = [...presentNames(dir, extra)].sort();
  const moved: { name: string; shown: string }[] = [];
  let aside: string | undefined;
  const back = (): string[] => {
    const problems: string[] = [];
    if (aside === undefined) return problems;
    for (const { name } of moved) {
      try {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        renameSync(join(aside, name), join(dir, name));
      } catch (e) {
        problems.push(`cannot put back ${join(dir, name)} (kept in ${aside}): ${systemReason(e)}`);
      }
    }
    if (problems.length === 0) rmSync(aside, { recursive: true, force: true });
    return problems;
  };
  for (const name of names) {
    const path = join(dir, name);
    let files: number;
    try {
      files = countFiles(path);
    } catch {
      continue; // not there
    }
    try {
      aside ??= mkdtempSync(join(dir, ASIDE_PREFIX));
      mkdirSync(dirname(join(aside, name)), { recursive: true });
      renameSync(path, join(aside, name));
    } catch (e) {
      const undo = back();
      throw new ResourceError(path, 'unavailable', `cannot move what an earlier run left out of the way: ${systemReason(e)}${undo.length ? `; ${undo.join('; ')}` : ''}`, { cause: e });
    }
    moved.push({ name, shown: files < 0 ? name : `${name}/ (${files} file${files === 1 ? '' : 's'})` });
  }
  let settled = false;
  return {
    found: moved.map((m) => m.shown),
    discard(): Cleared & { leftover?: string } {
      if (settled || aside === undefined) {
        settled = true;
        return { removed: [] };
      }
      settled = true;
      try {
        rmSync(aside, { recursive: true, force: true });
        return { removed: moved.map((m) => m.shown) };
      } catch (e) {
        return { removed: moved.map((m) => m.shown), leftover: `${aside}: ${systemReason(e)}` };
      }
    },
    restore(): string[] {
      if (settled) return [];
      settled = true;
      const problems: string[] = [];
      let made: Set<string>;
      try {
        made = presentNames(dir, extra);
      } catch (e) {
        made = outputNames(dir, extra);
        problems.push((e as Error).message);
      }
      // What this run made under a run output's name before it stopped: not the earlier run's.
      for (const name of made) {
        if (aside !== undefined && join(dir, name) === aside) continue;
        try {
          rmSync(join(dir, name), { recursive: true, force: true });
        } catch (e) {
          problems.push(`cannot remove ${join(dir, name)}, which this run made: ${systemReason(e)}`);
        }
      }
      return [...problems, ...back()];
    },
  };
}

/**
 * Removes the earlier run's outputs from `dir` (what setAsideEarlierRun sets aside) at once.
 * Throws ResourceError when they cannot be removed.
 */
export function clearEarlierRun(dir: string, extra: readonly string[] = []): Cleared {
  const cleared = setAsideEarlierRun(dir, extra).discard();
  if (cleared.leftover) throw new ResourceError(dir, 'unavailable', `cannot remove what an earlier run left: ${cleared.leftover}`);
  return { removed: cleared.removed };
}

/** Run-output names in `dir`, and the temporary and set-aside names present there now. */
function presentNames(dir: string, extra: readonly string[]): Set<string> {
  const names = outputNames(dir, extra);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    throw new ResourceError(dir, 'unavailable', `cannot read the reports folder: ${systemReason(e)}`, { cause: e });
  }
  for (const n of entries) if (TEMPORARY.test(n) || SET_ASIDE.test(n)) names.add(n);
  return names;
}

/** Whether clearEarlierRun(dir, extra) would remove `path` (it, or a folder holding it). */
export function clearedBy(dir: string, extra: readonly string[], path: string): boolean {
  const rel = inside(dir, path);
  if (rel === undefined) return false;
  const names = outputNames(dir, extra);
  const parts = rel.split(sep);
  return parts.some((_, i) => names.has(parts.slice(0, i + 1).join(sep))) || (parts.length === 1 && TEMPORARY.test(rel)) || SET_ASIDE.test(parts[0]!);
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
