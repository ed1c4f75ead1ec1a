/** pkcs11.pinEnv names an environment variable; a PIN written there instead is never shown. */
import { parseRig } from '../../../harness/config/rig.js';
import { rigErrorOf, signingRig } from './support/signing-rig.js';

const FILE = '/lab/rigs/bench.yaml';
const rig = (pinEnv: string) => signingRig([`  signing: { cert: c.pem, pkcs11: { module: m.so, token: fnd, key: csmp, pinEnv: ${pinEnv} } }`]);

describe('a PIN written into pkcs11.pinEnv', () => {
  test('a number', () => {
    const reason = 'nms.signing.pkcs11.pinEnv: must be a string (found a number, not shown: it may be the PIN itself)';
    expect(rigErrorOf(rig('735194'), FILE, false)).toEqual({ where: `${FILE}:3:82`, code: 'schema', reason, message: `${FILE}:3:82: ${reason}` });
  });

  test('text that is not a variable name', () => {
    const reason =
      'nms.signing.pkcs11.pinEnv: the value given is not valid (not shown: it may be the PIN itself): expected Name of the environment variable holding the user PIN; the PIN itself never goes in the rig file.';
    expect(rigErrorOf(rig("'7351-94ab'"), FILE, false)).toEqual({ where: `${FILE}:3:82`, code: 'schema', reason, message: `${FILE}:3:82: ${reason}` });
  });

  test('true', () => {
    expect(rigErrorOf(rig('true'), FILE, false).reason).toBe('nms.signing.pkcs11.pinEnv: must be a string (found true or false, not shown: it may be the PIN itself)');
  });

  test('a variable name loads', () => {
    expect(parseRig(rig('HIL_HSM_PIN'), FILE, { checkFiles: false }).nms.signing.pkcs11?.pinEnv).toBe('HIL_HSM_PIN');
  });
});
