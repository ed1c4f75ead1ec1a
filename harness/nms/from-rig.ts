/**
 * An Nms for a loaded rig file: its NMS addresses and port, its devices with their expected
 * firmware, and its signing identity (a PEM key file, or a key in a PKCS#11 token; the key stays
 * inside NmsSigner, or inside the token).
 */
import type { Rig, RigSigning } from '../config/rig.js';
import type { RegistrationSettings } from './registration.js';
import { readCertificateFile } from './key-file.js';
import { Nms, type NmsOptions } from './nms.js';
import { openPkcs11Key } from './pkcs11-key.js';
import { NmsSigner, type ValidityWindow } from './signing.js';

export interface NmsFromRigOptions extends Omit<NmsOptions, 'addresses' | 'port' | 'devices' | 'signer'> {
  validity?: Partial<ValidityWindow>;
  /** Registration overrides per device name (e.g. { meter3: { cgmsSettings: {...} } }). */
  perDevice?: Readonly<Record<string, Partial<RegistrationSettings>>>;
  /** Answer without signing even though the rig names a key (FND's second capture, doc 3.7). */
  unsigned?: boolean;
  /** A signer opened by the caller (signerFromRig), who closes it; default: opened here from the rig. */
  signer?: NmsSigner;
}

/**
 * The rig's signing identity. A token's session stays open until `close()`: whoever opens the
 * signer closes it (openBench does, when the bench closes).
 */
export async function signerFromRig(signing: RigSigning, validity?: Partial<ValidityWindow>): Promise<NmsSigner> {
  if (!signing.pkcs11) return NmsSigner.load(signing.key!, signing.cert, validity);
  const certificate = await readCertificateFile(signing.cert);
  const key = await openPkcs11Key(signing.pkcs11);
  try {
    return new NmsSigner({ key, certificate, ...(validity ? { validity } : {}) });
  } catch (e) {
    key.close?.();
    throw e;
  }
}

export async function nmsFromRig(rig: Rig, opts: NmsFromRigOptions = {}): Promise<Nms> {
  const { validity, perDevice, unsigned, signer: given, ...rest } = opts;
  const signer = unsigned ? undefined : (given ?? (await signerFromRig(rig.nms.signing, validity)));
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
