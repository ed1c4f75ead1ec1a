/**
 * `hil locks` as functions: which leases a rig's store holds, who holds them and until when, and
 * freeing them. Rows of the rig's own devices and ports are named by their rig names so a person can
 * say `hil locks release meter-3` rather than a lease key.
 */
import { formatDuration } from '../../core/duration.js';
import { ConfigError } from '../../core/errors.js';
import { describeOwner, deviceLeaseKey, portLeaseKey, type LeaseOwner, type LeaseState, type LeaseStore, type ReleaseOutcome } from '../../core/lease.js';
import { parseEndpoint } from '../../drivers/serial/config.js';
import { primaryPortKey } from '../../drivers/serial/port-lock.js';
import type { Rig } from '../config/rig.js';

export interface LockRow {
  key: string;
  label: string;
  /** The rig's name for the resource (a device or link name), when it is one of the rig's. */
  name?: string;
  live: boolean;
  why?: string;
  owner: LeaseOwner;
  since: string;
  expires: string;
  ttlMs: number;
}

/** Lease key → rig name, for the rig's devices, links and consoles. */
export function rigLeaseKeys(rig: Rig): Map<string, string> {
  const keys = new Map<string, string>();
  for (const d of rig.devices) keys.set(deviceLeaseKey(d.eui64), d.name);
  const port = (path: string): string | undefined => {
    try {
      return portLeaseKey(primaryPortKey(parseEndpoint(path)));
    } catch {
      return undefined;
    }
  };
  for (const l of rig.links) {
    const k = l.kind === 'slip' ? port(l.path) : undefined;
    if (k) keys.set(k, l.name);
  }
  for (const d of rig.devices) {
    const k = d.console ? port(d.console.path) : undefined;
    if (k) keys.set(k, `${d.name} console`);
  }
  return keys;
}

export async function listLocks(store: LeaseStore, rig?: Rig): Promise<LockRow[]> {
  const names = rig ? rigLeaseKeys(rig) : new Map<string, string>();
  const states = await store.list();
  return states.map((s: LeaseState) => {
    const r = s.record;
    const name = names.get(r.key);
    return {
      key: r.key,
      label: r.label,
      ...(name ? { name } : {}),
      live: s.live,
      ...(s.why ? { why: s.why } : {}),
      owner: r.owner,
      since: r.since,
      expires: r.expires,
      ttlMs: r.ttlMs,
    };
  });
}

/** A device or link name of the rig, or a lease key as `hil locks` shows it. */
export function lockKeyFor(what: string, rig: Rig | undefined): string {
  if (/^(device|port):/.test(what)) return what;
  if (rig) {
    for (const [key, name] of rigLeaseKeys(rig)) if (name === what) return key;
  }
  throw new ConfigError(what, 'reference', rig ? `not a device or link of rig ${rig.name}, nor a lease key (device:… or port:…)` : 'not a lease key (device:… or port:…); give --rig to name devices');
}

export function releaseLocks(store: LeaseStore, keys: readonly string[], force: boolean): Promise<ReleaseOutcome[]> {
  return Promise.all(keys.map((k) => store.release(k, { force })));
}

export function renderLocks(rows: readonly LockRow[], where: string, now = Date.now()): string {
  if (rows.length === 0) return `no leases in ${where}`;
  const until = (iso: string): string => {
    const t = Date.parse(iso);
    if (!Number.isFinite(t)) return iso;
    return t >= now ? `in ${formatDuration(t - now)}` : `${formatDuration(now - t)} ago`;
  };
  const table = rows.map((r) => [
    r.name ? `${r.name} (${r.key})` : r.key,
    describeOwner(r.owner),
    r.since,
    until(r.expires),
    r.live ? 'held' : `free to take: ${r.why ?? 'holder gone'}`,
  ]);
  const head = ['RESOURCE', 'HOLDER', 'SINCE', 'LEASE ENDS', 'STATE'];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [`leases in ${where}`, line(head), ...table.map(line)].join('\n');
}
