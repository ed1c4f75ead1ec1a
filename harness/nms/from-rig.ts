/**
 * An Nms for a loaded rig file: its NMS addresses and port, its devices with their expected
 * firmware, and its signing key and certificate (read here; the key stays inside NmsSigner).
 */
import type { Rig } from '../config/rig.js';
import type { RegistrationSettings } from './registration.js';
import { Nms, type NmsOptions } from './nms.js';
import { NmsSigner, type ValidityWindow } from './signing.js';

export interface NmsFromRigOptions extends Omit<NmsOptions, 'addresses' | 'port' | 'devices' | 'signer'> {
  validity?: Partial<ValidityWindow>;
  /** Registration overrides per device name (e.g. { meter3: { cgmsSettings: {...} } }). */
  perDevice?: Readonly<Record<string, Partial<RegistrationSettings>>>;
  /** Answer without signing even though the rig names a key (FND's second capture, doc 3.7). */
  unsigned?: boolean;
}

export async function nmsFromRig(rig: Rig, opts: NmsFromRigOptions = {}): Promise<Nms> {
  const { validity, perDevice, unsigned, ...rest } = opts;
  const signer = unsigned ? undefined : await NmsSigner.load(rig.nms.signing.key!, rig.nms.signing.cert, validity);
  return new Nms({
    ...rest,
    addresses: rig.nms.addresses,
    port: rig.nms.port,
    devices: rig.devices.map((d) => ({
      name: d.name,
      eui64: d.eui64,
      address: d.address,
      port: d.port,
      link: d.link,
      expected: d.expected,
      ...(perDevice?.[d.name] ? { registration: perDevice[d.name] } : {}),
    })),
    ...(signer ? { signer } : {}),
  });
}
