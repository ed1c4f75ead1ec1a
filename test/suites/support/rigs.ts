/**
 * Rig files for the end-to-end tests, made from the default virtual rig (rigs/virtual.yaml) so
 * they follow it: the same boards and expectations, with some meters given a fault model or a
 * fault state at start. Written to a temporary folder with absolute key paths.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

export const ROOT = process.cwd();

interface RawDevice {
  name: string;
  eui64: string;
  address: string;
  [k: string]: unknown;
}

export interface MeterPlan {
  /** Extra fields of the rig's virtual.meters[] entry: faults, initial … */
  faults?: string[];
  faultOptions?: Record<string, number>;
  initial?: Record<string, unknown>;
}

/** A temporary folder removed by `cleanup()`; short, so unix socket paths stay under 107 bytes. */
export function tempDir(prefix = 'hil-t-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Writes a rig with one meter per plan entry (meter-1 … meter-N, EUI-64s and addresses numbered
 * like the default rig's) and returns its path.
 */
export function writeRig(dir: string, name: string, plans: readonly MeterPlan[], tweak?: (rig: Record<string, unknown>) => void): string {
  const base = parse(readFileSync(join(ROOT, 'rigs', 'virtual.yaml'), 'utf8')) as Record<string, any>;
  base.name = name;
  base.nms.signing.key = resolve(ROOT, 'rigs', base.nms.signing.key);
  base.nms.signing.cert = resolve(ROOT, 'rigs', base.nms.signing.cert);
  const model = base.devices[0] as RawDevice;
  const devices: RawDevice[] = [];
  const meters: Record<string, unknown>[] = [];
  plans.forEach((plan, i) => {
    const n = i + 1;
    const hex = n.toString(16);
    const d: RawDevice = {
      ...structuredClone(model),
      name: `meter-${n}`,
      eui64: `00173bfffe${hex.padStart(6, '0')}`,
      address: `fd00:77::${(0x100 + n).toString(16)}`,
    };
    if (d.console && typeof d.console === 'object') Object.assign(d.console, { path: `virtual:meter-${n}/console`, prompt: `meter-${d.eui64}> ` });
    if (d.power && typeof d.power === 'object') d.power = { on: `virtual:meter-${n}/power on`, off: `virtual:meter-${n}/power off` };
    devices.push(d);
    meters.push({ name: d.name, ...plan });
  });
  base.devices = devices;
  base.virtual.meters = meters;
  tweak?.(base);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(base));
  return file;
}

/** writeRig's tweak for a rack found powered (issue 15): meters registered to an earlier NMS, the session starting as-found. */
export function asFound(rig: Record<string, any>): void {
  rig.session = { start: 'as-found' };
  rig.virtual.startRegistered = { reportInterval: 60 };
}
