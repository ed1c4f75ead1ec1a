/**
 * The rig's `nms.signing.cert` file as devices may be given it: its certificate blocks alone. A
 * file that also holds a private key is refused — at rig load, by the signer and by the virtual
 * rig's provisioning — rather than trimmed: whoever wrote it meant something else, and the key is
 * already where it should not be. (`${nms.certBase64}` trims, in rig-values.ts: a value lookup
 * during a run is no place to refuse a rig.)
 */
import { ConfigError } from '../../core/errors.js';
import { holdsPrivateKey, pemCertificates } from '../csmp/certificate-pem.js';

/** A certificate is a few KiB; a chain of them stays far below this. */
export const MAX_CERT_BYTES = 1 << 20;

/** Why the text of `file` cannot be the NMS certificate; undefined when it can. Never quotes the text. */
export function nmsCertificateProblem(file: string, text: string): string | undefined {
  if (holdsPrivateKey(text)) return `${file} holds a private key; the certificate is sent to devices, so give the certificate alone`;
  if (pemCertificates(text) === '') return `${file} holds no certificate (no -----BEGIN CERTIFICATE----- block that parses as X.509); give the PEM certificate devices verify with`;
  return undefined;
}

/** The certificate blocks of `text`, read from `file`; a ConfigError at nms.signing.cert when nmsCertificateProblem has one. */
export function nmsCertificateOnly(file: string, text: string): string {
  const problem = nmsCertificateProblem(file, text);
  if (problem !== undefined) throw new ConfigError('nms.signing.cert', 'value', problem);
  return pemCertificates(text);
}
