/**
 * Where a virtual rig keeps its boards between runs, as a lab's rack keeps them powered:
 *
 *   <dir of the rig file>/.hil-state/<rig name>/<meter>.json    meter-state.ts
 *   <dir of the rig file>/.hil-state/<rig name>/<meter>.flash/  the board's flash folder
 *
 * The next run of the same rig resumes each meter from it unless something a real board would
 * notice changed: another NMS key (its registration would be refused), another EUI-64, address
 * or fault model (it is not the same board). Those meters start cold and the run says why.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { cpSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../../core/atomic-write.js';
import { ConfigError } from '../../../core/errors.js';
import { makeDirs } from '../../../core/make-dirs.js';
import type { HeldLeases } from '../../../core/lease.js';
import { FileLeaseBackend } from '../../../drivers/lease/file-backend.js';
import { BackedLeaseStore } from '../../../drivers/lease/lease-store.js';
import type { MeterConfig } from '../config.js';
import { emitMeterState, parseMeterState, type MeterState } from './meter-state.js';

export const STATE_FOLDER = '.hil-state';

/** The state folder of a rig file's rig. */
export function stateFolder(rig: { file: string; name: string }): string {
  return join(dirname(resolve(rig.file)), STATE_FOLDER, rig.name);
}

/**
 * The state folder for this run alone: two runs of one rig file at once would resume the same
 * boards and the last to stop would overwrite what the other kept. The lease lives beside the
 * folder (a `--cold` deletes the folder itself) and dies with its process. Returns why not when
 * another live run holds it, or the folder cannot be locked.
 */
export async function claimStateFolder(folder: string): Promise<{ held: HeldLeases } | { why: string }> {
  const store = new BackedLeaseStore(new FileLeaseBackend(dirname(folder)));
  try {
    return { held: await store.acquire([{ key: `state ${folder}`, label: folder }]) };
  } catch (e) {
    return { why: (e as Error).message };
  }
}

/** SHA-256 of the certificate's public key (SPKI DER) as hex; of the text when it is no certificate. */
export function nmsKeyFingerprint(certPem: string): string {
  let der: Buffer;
  try {
    der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  } catch {
    der = Buffer.from(certPem, 'utf8');
  }
  return createHash('sha256').update(der).digest('hex');
}

export type SavedMeter =
  | { kind: 'none' }
  | { kind: 'resume'; state: MeterState; file: string; flashDir: string }
  | { kind: 'cold'; file: string; why: string };

/** What the folder says for one meter: nothing saved, resume from it, or start cold and why. */
export function loadMeter(folder: string, meter: MeterConfig, nmsKey: string): SavedMeter {
  const file = join(folder, `${meter.name}.json`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    return { kind: 'cold', file, why: `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  let state: MeterState;
  try {
    state = parseMeterState(text, file);
  } catch (e) {
    if (e instanceof ConfigError) return { kind: 'cold', file, why: `damaged state file: ${e.message}` };
    throw e;
  }
  const flashDir = join(folder, `${meter.name}.flash`);
  const why = changed(state, meter, nmsKey) ?? (existsSync(flashDir) ? undefined : `its flash folder ${flashDir} is missing`);
  return why === undefined ? { kind: 'resume', state, file, flashDir } : { kind: 'cold', file, why };
}

function changed(s: MeterState, m: MeterConfig, nmsKey: string): string | undefined {
  if (s.nmsKey !== nmsKey) return "the rig's NMS key differs from the one its flash trusts (a board would have its registration refused)";
  if (s.meter.eui64 !== m.eui64) return `its EUI-64 changed (${s.meter.eui64} → ${m.eui64})`;
  if (s.meter.address !== m.address) return `its address changed (${s.meter.address} → ${m.address})`;
  const was = [...s.meter.faults].sort().join(', ');
  const now = [...m.faults].sort().join(', ');
  if (was !== now) return `its fault models changed ([${was}] → [${now}])`;
  if (JSON.stringify(sortKeys(s.meter.faultOptions)) !== JSON.stringify(sortKeys({ ...m.faultOptions }))) return 'its faultOptions changed';
  return undefined;
}

function sortKeys(o: Record<string, unknown>): [string, unknown][] {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}

/**
 * Saves one meter: its flash folder first (copied beside, then swapped in), then the JSON
 * atomically, so a reader never sees a half-written file.
 */
export function saveMeter(folder: string, name: string, state: MeterState, flashDir: string): void {
  makeDirs(folder);
  const target = join(folder, `${name}.flash`);
  const fresh = `${target}.new`;
  rmSync(fresh, { recursive: true, force: true });
  cpSync(flashDir, fresh, { recursive: true });
  rmSync(target, { recursive: true, force: true });
  renameSync(fresh, target);
  writeFileAtomic(join(folder, `${name}.json`), emitMeterState(state));
}

/** One meter's saved state removed (best effort: a folder that refuses writes refused the save too). */
export function forgetMeter(folder: string, name: string): void {
  try {
    rmSync(join(folder, `${name}.json`), { force: true });
  } catch {
    // Nothing more to do: the warning of the failed save says it.
  }
}

/** `--cold`: what the folder held is forgotten. */
export function clearStateFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
}
