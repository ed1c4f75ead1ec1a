import type { Command } from 'commander';
import { ConfigError, ResourceError } from '../../../core/errors.js';
import type { LeaseStore } from '../../../core/lease.js';
import { localLeaseStore } from '../../../drivers/lease/open-lease-store.js';
import { leaseStoreFor } from '../../app/lease-store.js';
import { listLocks, lockKeyFor, releaseLocks, renderLocks } from '../../app/locks.js';
import { loadRig, type Rig } from '../../config/rig.js';

interface LocksCliOptions {
  rig?: string;
  json?: boolean;
}

interface ReleaseCliOptions {
  rig?: string;
  all?: boolean;
  force?: boolean;
}

/** The rig's store (its `locks`, else lock files), or the local lock folder without --rig. */
async function storeFor(rigFile: string | undefined): Promise<{ store: LeaseStore; rig?: Rig }> {
  if (!rigFile) return { store: localLeaseStore() };
  const rig = await loadRig(rigFile, { checkFiles: false });
  // Without `locks` a hardware rig uses the local lock folder; so does this listing for any rig.
  return { store: (rig.locks ? await leaseStoreFor(rig) : undefined) ?? localLeaseStore(), rig };
}

export function registerLocks(program: Command, exit: (code: number) => never | void): void {
  const err = (s: string): void => void process.stderr.write(`hil locks: ${s}\n`);
  const fail = (e: unknown): never | void => {
    if (e instanceof ConfigError || e instanceof ResourceError) {
      err(e.message);
      return exit(2);
    }
    throw e;
  };

  const locks = program
    .command('locks')
    .description("list the leases on devices and ports: holder (user, host, pid, CI job), since, until; exit 0")
    .option('--rig <file>', "rig file: its lease store (locks: redis://… or a folder) and names for its devices; default the local lock folder")
    .option('--json', 'one JSON array: key, label, name, live, why, owner, since, expires, ttlMs')
    .action(async (opts: LocksCliOptions) => {
      let store: LeaseStore | undefined;
      try {
        const s = await storeFor(opts.rig);
        store = s.store;
        const rows = await listLocks(store, s.rig);
        process.stdout.write(opts.json ? `${JSON.stringify(rows)}\n` : `${renderLocks(rows, store.where)}\n`);
      } catch (e) {
        return fail(e);
      } finally {
        await store?.close();
      }
      return exit(0);
    });

  locks
    .command('release')
    .description('free leases: those of dead or expired holders; a live holder only with --force. Exit 0 all freed, 1 some refused or not held')
    .argument('[resources...]', 'device or link names of the rig, or lease keys (device:…, port:…)')
    .option('--rig <file>', 'rig file (its lease store, and its device and link names)')
    .option('--all', 'every lease in the store')
    .option('--force', "free leases of live holders too (the holder's run loses its device)")
    .action(async (resources: string[], opts: ReleaseCliOptions, cmd: Command) => {
      // `--rig` after `release` is parsed by the parent `locks` command, which declares it too.
      const rigFile = opts.rig ?? (cmd.parent?.opts() as LocksCliOptions | undefined)?.rig;
      if (!opts.all === (resources.length === 0)) {
        err('name the devices to free, or --all (not both)');
        return exit(2);
      }
      let store: LeaseStore | undefined;
      let ok = true;
      try {
        const s = await storeFor(rigFile);
        store = s.store;
        const keys = opts.all ? (await store.list()).map((l) => l.record.key) : resources.map((r) => lockKeyFor(r, s.rig));
        const outcomes = await releaseLocks(store, keys, opts.force ?? false);
        outcomes.forEach((o, i) => {
          if (o.released) {
            const how = o.forced ? ' (forced: its holder was alive)' : '';
            process.stdout.write(`released ${o.record.label} (${keys[i]}), held by ${o.record.owner.user}@${o.record.owner.host} pid ${o.record.owner.pid}${how}\n`);
          } else {
            ok = false;
            err(`${keys[i]}: not released: ${o.reason}${o.record ? ` (${o.record.owner.user}@${o.record.owner.host} pid ${o.record.owner.pid})` : ''}`);
          }
        });
      } catch (e) {
        return fail(e);
      } finally {
        await store?.close();
      }
      return exit(ok ? 0 : 1);
    });
}
