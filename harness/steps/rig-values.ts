/**
 * `${expected.firmwareVersion}` and friends in suite values: a suite says "the version the rig
 * expects" without knowing the rig. Console command templates see the same names
 * (`cert install {nms.certBase64}`). A value that is exactly one reference takes the referenced
 * value's type where it is numeric (a group id stays a number for the TLV encoder); references
 * inside longer text are spliced in as text. An unknown name is an error naming the known ones.
 */
import type { DeviceSpec, Rig } from '../config/rig.js';
import { MAX_CERT_BYTES } from '../config/nms-certificate.js';
import { readFileBounded } from '../../core/bounded-read.js';
import { ConfigError } from '../../core/errors.js';
import { pemCertificates } from '../csmp/certificate-pem.js';

const certCache = new Map<string, string | undefined>();

/**
 * The NMS certificate as one base64 word (a console command cannot carry PEM's line breaks). Only
 * the file's certificate blocks: the word goes to device consoles and every report of them, and
 * the rig loader's refusal of a file holding a key is skipped by a rig loaded without file checks.
 */
function certBase64(path: string): string | undefined {
  if (!certCache.has(path)) {
    let pem = '';
    try {
      pem = pemCertificates(readFileBounded(path, MAX_CERT_BYTES).toString('utf8'));
    } catch {
      // Unreadable: no variable, and a suite that uses it is told so by name.
    }
    certCache.set(path, pem ? Buffer.from(pem).toString('base64') : undefined);
  }
  return certCache.get(path);
}

const REF = /\$\{([A-Za-z0-9_.]+)\}/g;

export function rigVariables(rig: Rig, device: DeviceSpec): Record<string, string> {
  const vars: Record<string, string> = {
    'device.name': device.name,
    'device.eui64': device.eui64,
    'device.address': device.address,
    'device.port': String(device.port),
    'expected.firmwareVersion': device.expected.firmwareVersion,
    'expected.hwId': device.expected.hwId,
    'expected.firmwareGroup': device.expected.firmwareGroup,
    'rig.name': rig.name,
  };
  if (device.expected.configGroup !== undefined) vars['expected.configGroup'] = device.expected.configGroup;
  for (const a of rig.nms.addresses) vars[`nms.${a.name}`] = a.address;
  const cert = certBase64(rig.nms.signing.cert);
  if (cert !== undefined) vars['nms.certBase64'] = cert;
  return vars;
}

function lookup(name: string, vars: Record<string, string>, where: string): string {
  const v = vars[name];
  if (v === undefined) throw new ConfigError(where, 'reference', `\${${name}} is not known here (known: ${Object.keys(vars).sort().join(', ')})`);
  return v;
}

/** Replaces references in every string of `value` (deeply); other values are returned as they are. */
export function substitute(value: unknown, vars: Record<string, string>, where: string): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{([A-Za-z0-9_.]+)\}$/.exec(value);
    if (whole) {
      const v = lookup(whole[1]!, vars, where);
      return /^-?[0-9]+$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : v;
    }
    return value.replace(REF, (_, name: string) => lookup(name, vars, where));
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars, where));
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars, where)]));
  }
  return value;
}
