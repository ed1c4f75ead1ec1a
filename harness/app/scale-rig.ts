/**
 * A virtual rig with N meters instead of the file's: the first device is the model, the others
 * are numbered after it (name meter-<i>, EUI-64 and address counting up from the model's), each
 * with the model's console, power, expectations and virtual settings.
 */
import { canonicalIpv6 } from '../../drivers/ip/address.js';
import type { DeviceSpec, Rig } from '../config/rig.js';
import { ConfigError } from '../../core/errors.js';

export function withMeters(rig: Rig, count: number): Rig {
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new ConfigError('--meters', 'value', `must be a whole number from 1 to 1000, got ${count}`);
  if (!rig.virtual) throw new ConfigError(rig.file, 'missing', '--meters needs a rig with a virtual section');
  const model = rig.devices[0]!;
  const base = /^(.*?)(\d+)$/.exec(model.name);
  const prefix = base ? base[1]! : `${model.name}-`;
  const eui = BigInt(`0x${model.eui64}`);
  const addr = addressNumber(model.address);
  const devices: DeviceSpec[] = [];
  for (let i = 0; i < count; i++) {
    const existing = rig.devices[i];
    if (existing) {
      devices.push(existing);
      continue;
    }
    devices.push({
      ...model,
      name: `${prefix}${i + 1}`,
      eui64: (eui + BigInt(i)).toString(16).padStart(16, '0'),
      address: numberAddress(addr + BigInt(i)),
      capabilities: [...model.capabilities],
      ...(model.console ? { console: { ...model.console, commands: { ...model.console.commands } } } : {}),
      ...(model.power ? { power: { ...model.power } } : {}),
    });
  }
  const v = rig.virtual as { meters?: Record<string, unknown>[] };
  const models = v.meters ?? [];
  const meters = devices.map((d, i) => ({ ...(models[i] ?? models[0] ?? {}), name: d.name }));
  return { ...rig, devices, virtual: { ...rig.virtual, meters } };
}

function addressNumber(text: string): bigint {
  const hex = canonicalIpv6(text)
    .split('::')
    .map((half) => (half ? half.split(':') : []));
  const head = hex[0] ?? [];
  const tail = hex.length > 1 ? hex[1]! : [];
  const groups = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function numberAddress(n: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return canonicalIpv6(groups.join(':'));
}
