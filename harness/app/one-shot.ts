/**
 * A bench for one command (`hil request`, `hil diagnose`, `hil check`, `hil upgrade`): opened from
 * a rig file, used, closed. The virtual rig's files go to a temporary run folder that is removed
 * afterwards, so a one-off look at a device leaves nothing behind, also when the command is
 * stopped: a stop ends the work at once (Stopped), closes the bench and removes the folder, and a
 * forced exit removes it on the way out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIPv6 } from 'node:net';
import { createHash } from 'node:crypto';
import { canonicalIpv6 } from '../../drivers/ip/address.js';
import type { DeviceSpec, Rig } from '../config/rig.js';
import { ConfigError } from '../../core/errors.js';
import { openBench, type OpenedBench } from './open-bench.js';
import { Stopped, type ProcessStop } from './process-stop.js';

export interface WithBenchOptions {
  /** The process's stop: a stop cuts the work short (Stopped), the bench is closed, the folder removed. */
  stop?: ProcessStop;
  /** The work winds down by itself on stop.signal (an upgrade saves its place): only a second signal cuts it short. */
  windsDown?: boolean;
}

export async function withBench<T>(rig: Rig, devices: readonly string[], fn: (b: OpenedBench) => Promise<T>, opts: WithBenchOptions = {}): Promise<T> {
  const { stop } = opts;
  if (stop?.signal.aborted) throw new Stopped(String(stop.signal.reason));
  // Short: the virtual rig's unix sockets must fit in 107 bytes.
  const dir = mkdtempSync(join(tmpdir(), 'hil-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  const forget = stop?.atExit(remove);
  try {
    const open = openBench(rig, { runDir: dir, devices });
    let opened: OpenedBench;
    try {
      opened = await (stop ? stop.until(open) : open);
    } catch (e) {
      // Stopped while the rig opened: it still has to be closed once it is open.
      if (e instanceof Stopped) await open.then((b) => b.close(), () => {});
      throw e;
    }
    try {
      const work = fn(opened);
      return await (!stop ? work : opts.windsDown ? untilForced(work, stop) : stop.until(work));
    } finally {
      await opened.close();
    }
  } finally {
    remove();
    forget?.();
  }
}

/**
 * The rig device a command names: its rig name, EUI-64 (any case or separators) or IPv6 address.
 * An address the rig does not list becomes an ad-hoc device on the rig's first link, so any
 * agent the NMS can reach can be asked (csmp-request does the same with a bare address).
 */
export function targetDevice(rig: Rig, target: string, port?: number): { rig: Rig; device: DeviceSpec } {
  const eui = target.replace(/[:-]/g, '').toLowerCase();
  const byName = rig.devices.find((d) => d.name === target || (/^[0-9a-f]{16}$/.test(eui) && d.eui64 === eui));
  if (byName) return { rig, device: byName };
  if (!isIPv6(target)) {
    throw new ConfigError(target, 'reference', `not a device of rig ${rig.name} (devices: ${rig.devices.map((d) => d.name).join(', ')}), an EUI-64 or an IPv6 address`);
  }
  const address = canonicalIpv6(target);
  const known = rig.devices.find((d) => canonicalIpv6(d.address) === address);
  if (known) return { rig, device: known };
  const link = rig.links[0]!;
  const device: DeviceSpec = {
    name: address,
    // Only the NMS's inventory needs one; derived from the address so it cannot clash by accident.
    eui64: createHash('sha256').update(address).digest('hex').slice(0, 16),
    address,
    link: link.name,
    port: port === 61624 ? 61624 : 61628,
    expected: { firmwareVersion: '', hwId: '', firmwareGroup: 'none' },
    capabilities: [],
  };
  return { rig: { ...rig, devices: [...rig.devices, device] }, device };
}

/** `work`, or Stopped at the second signal (the first is the work's own to honour). */
function untilForced<T>(work: Promise<T>, stop: ProcessStop): Promise<T> {
  const force = stop.force;
  if (force.aborted) return Promise.reject(new Stopped(String(force.reason)));
  return new Promise<T>((resolve, reject) => {
    const onForce = (): void => reject(new Stopped(String(force.reason)));
    force.addEventListener('abort', onForce, { once: true });
    work.then(
      (v) => (force.removeEventListener('abort', onForce), resolve(v)),
      (e: unknown) => (force.removeEventListener('abort', onForce), reject(e)),
    );
  });
}
