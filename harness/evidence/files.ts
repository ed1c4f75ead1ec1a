/**
 * The files of a bundle folder, by path relative to it. A bundle holds regular files only: every
 * other entry (a symbolic link, a FIFO, a socket, a device) is listed with its kind and never
 * followed or read, so a swapped-in link cannot vouch for a file outside the bundle and a FIFO
 * cannot stall the reader.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, type Dirent, type Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { systemReason } from '../../core/atomic-write.js';
import { ResourceError } from '../../core/errors.js';
import type { EvidenceFile } from './statement.js';

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export type EntryKind = 'file' | 'folder' | 'symbolic link' | 'FIFO' | 'socket' | 'device' | 'special file';

export interface BundleEntry {
  /** '/' separated, relative to the bundle folder. */
  path: string;
  kind: Exclude<EntryKind, 'folder'>;
}

export function kindOf(s: Stats | Dirent): EntryKind {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'folder';
  if (s.isSymbolicLink()) return 'symbolic link';
  if (s.isFIFO()) return 'FIFO';
  if (s.isSocket()) return 'socket';
  if (s.isBlockDevice() || s.isCharacterDevice()) return 'device';
  return 'special file';
}

/** 'a symbolic link (to /etc/hostname)', 'a FIFO', 'a folder'. */
export function describeKind(kind: EntryKind, path: string): string {
  if (kind !== 'symbolic link') return `a ${kind}`;
  try {
    return `a symbolic link (to ${readlinkSync(path)})`;
  } catch {
    return 'a symbolic link';
  }
}

export interface BundleTree {
  /** Every entry that is not a folder, sorted by path. */
  entries: BundleEntry[];
  /**
   * Every folder below `dir` (not `dir` itself), sorted. The manifest records them: a file walk
   * alone cannot see an empty folder added after signing.
   */
  folders: string[];
}

/**
 * What lies below `dir`, in one walk; folders are walked, links are not. A folder that cannot be
 * read is told to `unreadable` (its relative path, '' for `dir` itself, and the reason), or thrown
 * without it.
 */
export function listTree(dir: string, unreadable?: (path: string, reason: string) => void): BundleTree {
  const entries: BundleEntry[] = [];
  const folders: string[] = [];
  walkTree(dir, unreadable, (path, e) => {
    const kind = kindOf(e);
    if (kind === 'folder') {
      folders.push(path);
      return true;
    }
    entries.push({ path, kind });
    return false;
  });
  return { entries: entries.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0)), folders: folders.sort() };
}

/** Each entry below `dir` with its '/'-separated relative path; `visit` says whether to go into it. */
function walkTree(dir: string, unreadable: ((path: string, reason: string) => void) | undefined, visit: (path: string, e: Dirent) => boolean): void {
  const walk = (d: string): void => {
    let list: Dirent[];
    try {
      list = readdirSync(d, { withFileTypes: true });
    } catch (e) {
      if (!unreadable) throw e;
      unreadable(relative(dir, d).split(sep).join('/'), systemReason(e));
      return;
    }
    for (const e of list) {
      const p = join(d, e.name);
      if (visit(relative(dir, p).split(sep).join('/'), e)) walk(p);
    }
  };
  walk(dir);
}

/** The folders a list of file paths implies ('a/b/c.txt': 'a', 'a/b'). */
export function foldersOf(paths: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) out.add(parts.slice(0, i).join('/'));
  }
  return out;
}

/** Relative paths of every regular file below `dir`. */
export function listFiles(dir: string): string[] {
  return listTree(dir).entries
    .filter((e) => e.kind === 'file')
    .map((e) => e.path);
}

export type ReadOutcome = { bytes: Buffer } | { missing: true } | { kind: Exclude<EntryKind, 'file'> } | { error: string };

/**
 * The bytes of `path` if it is a regular file: checked before it is opened and again on the open
 * descriptor (not following a link, not waiting on a FIFO), so a swap in between is caught too.
 */
export function readRegularFile(path: string): ReadOutcome {
  let kind: EntryKind;
  try {
    kind = kindOf(lstatSync(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    return { error: systemReason(e) };
  }
  if (kind !== 'file') return { kind };
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { missing: true };
    if (code === 'ELOOP') return { kind: 'symbolic link' };
    return { error: systemReason(e) };
  }
  try {
    const now = kindOf(fstatSync(fd));
    if (now !== 'file') return { kind: now };
    return { bytes: readFileSync(fd) };
  } catch (e) {
    return { error: systemReason(e) };
  } finally {
    closeSync(fd);
  }
}

/** A regular file's hash and size; anything else is a ResourceError naming what it is. */
export function hashFile(dir: string, path: string): EvidenceFile {
  const full = join(dir, ...path.split('/'));
  const r = readRegularFile(full);
  if ('bytes' in r) return { path, digest: { sha256: sha256Hex(r.bytes) }, size: r.bytes.length };
  if ('missing' in r) throw new ResourceError(full, 'missing', 'missing');
  throw new ResourceError(full, 'unavailable', 'kind' in r ? `${describeKind(r.kind, full)}, not a file: a bundle holds regular files only` : `cannot read: ${r.error}`);
}
