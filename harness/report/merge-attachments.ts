import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { systemReason } from '../../core/atomic-write.js';
import { ResourceError } from '../../core/errors.js';
import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';

/**
 * Copies shard attachments into the merged reports folder. A file keeps its path below its shard's
 * log folder (attachments/<suite>/<device>/<test>.pcap), so the merged folder looks like one run's;
 * a path that would clash with another shard's different file, or that lies outside its shard's
 * folder, goes under shard-<n>/ instead. A file that is gone (or is not a regular file: a folder
 * named as an attachment) is left pointing where it was; a copy that fails is a ResourceError.
 */
export class AttachmentCopier {
  private readonly done = new Map<string, string>();
  private readonly taken = new Map<string, string>();

  constructor(private readonly outDir: string) {}

  /** The path to use in merged results: the copy's, or `from` unchanged when it does not exist. */
  copy(from: string, relativeToShard: string | undefined, shard: number): string {
    const known = this.done.get(from);
    if (known) return known;
    if (!isFile(from)) return from;
    const clean = relativeToShard !== undefined && !isAbsolute(relativeToShard) && !normalize(relativeToShard).startsWith(`..${sep}`) ? normalize(relativeToShard) : undefined;
    let rel = clean ?? join(`shard-${shard}`, basename(dirname(from)), basename(from));
    const owner = this.taken.get(rel);
    if (owner !== undefined && owner !== from && !sameContent(owner, from)) rel = join(`shard-${shard}`, rel);
    const to = join(this.outDir, rel);
    try {
      mkdirSync(dirname(to), { recursive: true });
      if (resolve(to) !== resolve(from)) copyFileSync(from, to);
    } catch (e) {
      throw new ResourceError(to, 'io', `cannot copy the attachment ${from} there: ${systemReason(e)}`, { cause: e });
    }
    this.taken.set(rel, from);
    this.done.set(from, to);
    return to;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function sameContent(a: string, b: string): boolean {
  return readFileSync(a).equals(readFileSync(b));
}
