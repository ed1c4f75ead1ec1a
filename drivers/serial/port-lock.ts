/**
 * Exclusive use of a port across harness runs: a lease (drivers/lease) per name the port goes by,
 * held from open() to close() and renewed meanwhile, so a refusal can say who holds it (user, host,
 * pid, CI job) and a run killed with SIGKILL does not block the bench until someone cleans up.
 * By default the leases are lock files in os.tmpdir()/csmp-hil-locks (one host); a rig with
 * `locks: redis://…` shares them across hosts.
 *
 * serialport's own `lock` (flock on the tty) stays on as well; it guards against non-harness
 * programs but its error cannot name the holder.
 */
import { realpathSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { portLeaseKey } from '../../core/lease.js';
import { defaultLockDir, lockFileFor } from '../lease/file-backend.js';
import type { Endpoint } from './config.js';

export { defaultLockDir };

/** The name the port was configured by (absolute for a local path). */
export function primaryPortKey(e: Endpoint): string {
  if (e.kind === 'tcp') return e.url;
  if (e.kind === 'usb') return e.selector.text;
  return resolvePath(e.path);
}

/**
 * A local port can be named several ways (a by-id symlink, a usb: selector and the tty they point
 * to): the device `located` resolves to now is leased too, so two runs using different names still
 * collide. Only while connected: after a replug the name points elsewhere and the old node may be
 * reused by another device.
 */
export function devicePortKey(e: Endpoint, located: string): string | undefined {
  if (e.kind === 'tcp') return undefined;
  const abs = resolvePath(located);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    real = abs;
  }
  return real === primaryPortKey(e) ? undefined : real;
}

/** The lock file of a port name in the local backend (for tools and tests that inspect or plant locks). */
export function portLockFile(name: string, dir = defaultLockDir()): string {
  return lockFileFor(portLeaseKey(name), dir);
}
