/**
 * The NMS certificate on the device is bad (csmp-protocol.md 9): the device says so itself
 * (CGMSStatus.NMSCertValid false while its SSID is present), or it rejects the NMS signature
 * with its clock in order (CGMSStats.sigBadAuth, with a rejected 2.03 or a signed request).
 */
import type { Looked } from '../facts.js';
import { conclude, type Diagnosis } from '../result.js';

/** CGMSStatus.NMSCertValid false. Checked after flash corruption, which explains an SSID that is absent. */
export function nmsCertInvalid(f: Looked<'status'>): Diagnosis | undefined {
  if (f.status.certValid !== false) return undefined;
  return conclude(
    f,
    'nms-cert',
    'The device holds an NMS certificate it considers invalid (CGMSStatus.NMSCertValid false) while its network configuration (SSID) is present: the certificate file on the device is bad.',
    'Reload the correct NMS (FND) CSMP signing certificate onto the device (vendor tool or config push), then let it re-register.',
  );
}

/** The device rejects NMS signatures on their key, not their validity. Checked after clock skew. */
export function nmsSignatureRejected(f: Looked<'nms' | 'signatures'>): Diagnosis | undefined {
  const { badAuth, badValidity, rejectedResponses } = f.signatures;
  if (!(badAuth > 0 && (rejectedResponses > 0 || f.nms.signatureFailures > 0))) return undefined;
  return conclude(
    f,
    'nms-cert',
    `The device rejects the NMS signature itself (sigBadAuth ${badAuth}, sigBadValidity ${badValidity}): it holds a different NMS certificate/public key than the one the NMS signs with.`,
    'Install the NMS (FND) CSMP signing certificate that matches the NMS key on the device, or sign with the key the device trusts.',
  );
}
