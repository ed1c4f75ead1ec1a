import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { DeviceSpec } from '../config/rig.js';
import { ResourceError } from '../../core/errors.js';

interface LockRecord {
  pid: number;
  host: string;
  rig: string;
  device: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Cross-process locks, one file per device named by its EUI-64 (the board's identity, whatever rig
 * file names it), so two runs never drive the same board. A lock left by a dead process on this host
 * is taken over; a live one, or one from another host, is a ResourceError naming its holder.
 */
export class DeviceLocks {
  private held: string[] = [];

  private constructor(private readonly dir: string) {}

  static acquire(dir: string, rigName: string, devices: readonly DeviceSpec[]): DeviceLocks {
    mkdirSync(dir, { recursive: true });
    const locks = new DeviceLocks(dir);
    try {
      for (const d of devices) locks.take(d, rigName);
    } catch (e) {
      locks.release();
      throw e;
    }
    return locks;
  }

  private take(device: DeviceSpec, rig: string): void {
    const path = join(this.dir, `${device.eui64}.lock`);
    const mine: LockRecord = { pid: process.pid, host: hostname(), rig, device: device.name, since: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, JSON.stringify(mine));
        closeSync(fd);
        this.held.push(path);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ResourceError(`device ${device.name}`, 'io', `cannot create lock ${path}`, { cause: e });
      }
      let holder: LockRecord | undefined;
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as LockRecord;
      } catch {
        // Unreadable or half-written: treat as stale, like a dead holder.
      }
      if (holder && (holder.host !== mine.host || alive(holder.pid)))
        throw new ResourceError(
          `device ${device.name}`,
          'busy',
          `in use by pid ${holder.pid} on ${holder.host} (rig ${holder.rig}, since ${holder.since}); lock ${path}`,
        );
      try {
        unlinkSync(path);
      } catch {
        // Someone else removed it first; the next attempt sorts out who wins.
      }
    }
    throw new ResourceError(`device ${device.name}`, 'busy', `lock ${path} keeps being taken`);
  }

  /** Idempotent; removes only locks this process still owns. */
  release(): void {
    for (const path of this.held) {
      try {
        const holder = JSON.parse(readFileSync(path, 'utf8')) as LockRecord;
        if (holder.pid === process.pid) unlinkSync(path);
      } catch {
        // Already gone.
      }
    }
    this.held = [];
  }
}
