/**
 * Whether a bundle's reports are whole: each report certification writes is there, and so is every
 * attachment the JUnit names (`[[ATTACHMENT|path]]`, relative to the JUnit's folder). A run that
 * lost a pcap to a full disk still writes a JUnit naming it; signing that as certified would vouch
 * for evidence nobody can open.
 */
import { join, posix } from 'node:path';
import { JUNIT_FILE, REPORT_FILES } from './bundle-layout.js';
import { readRegularFile } from './files.js';
import type { EvidenceFile } from './statement.js';

const ATTACHMENT = /\[\[ATTACHMENT\|([^\]\n]+)\]\]/g;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const SHOWN = 3;

/** Why the reports among `files` (the bundle's, hashed) are not whole; empty when they are. */
export function incompleteReports(dir: string, files: readonly EvidenceFile[]): string[] {
  const held = new Set(files.map((f) => f.path));
  const reasons: string[] = [];
  const missing = REPORT_FILES.filter((f) => !held.has(f));
  if (missing.length) reasons.push(`${missing.join(', ')}: not in the bundle`);
  if (!held.has(JUNIT_FILE)) return reasons;
  const read = readRegularFile(join(dir, ...JUNIT_FILE.split('/')));
  if (!('bytes' in read)) return [...reasons, `${JUNIT_FILE}: cannot be read back`];
  const xml = read.bytes.toString('utf8');
  const named = new Set([...xml.matchAll(ATTACHMENT)].map((m) => posix.join(posix.dirname(JUNIT_FILE), unescape(m[1]!))));
  const absent = [...named].filter((p) => !held.has(p));
  if (absent.length) {
    const shown = absent.slice(0, SHOWN).join(', ') + (absent.length > SHOWN ? ', …' : '');
    reasons.push(`${JUNIT_FILE} names ${absent.length} attachment${absent.length === 1 ? ' that is' : 's that are'} not in the bundle: ${shown}`);
  }
  return reasons;
}

const unescape = (s: string): string => s.replace(/&(amp|lt|gt|quot|apos);/g, (_m, e: string) => ENTITIES[e]!);
