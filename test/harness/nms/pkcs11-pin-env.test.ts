/** pkcs11.pinEnv not set: the variable is named only when its name looks like one; otherwise it may be the PIN. */
import { openPkcs11Key } from '../../../harness/nms/pkcs11-key.js';
import { expectConfigRejection } from '../../support/errors.js';

// The PIN is looked for before the module is loaded: no token is needed here.
const spec = (pinEnv: string) => ({ module: '/nonexistent/libpkcs11.so', token: 'fnd', key: 'csmp', pinEnv });

describe('a pinEnv that is not set', () => {
  test('a conventional name is named', async () => {
    await expectConfigRejection(openPkcs11Key(spec('HIL_HSM_PIN'), {}), {
      where: 'nms.signing.pkcs11.pinEnv',
      code: 'missing',
      reason: "environment variable HIL_HSM_PIN is not set (it holds the user PIN of PKCS#11 token 'fnd')",
    });
  });

  test.each(['Secr3tPin', '735194', 'letmein'])('%s is not', async (pinEnv) => {
    const e = await expectConfigRejection(openPkcs11Key(spec(pinEnv), {}), {
      where: 'nms.signing.pkcs11.pinEnv',
      code: 'missing',
      reason:
        "the environment variable it names is not set (the name is not shown: it is not in capitals like HIL_HSM_PIN, so it may be the PIN itself); that variable holds the user PIN of PKCS#11 token 'fnd'",
    });
    expect(e.message).not.toContain(pinEnv);
  });
});
