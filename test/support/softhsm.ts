/**
 * A SoftHSM2 token (Debian's softhsm2) for the PKCS#11 signing tests, in the temporary folder
 * SOFTHSM2_CONF names (jest.config.js), removed with its last token. Keys are put in the token through PKCS#11 itself
 * (C_CreateObject, C_GenerateKeyPair), so no private key is ever written to a file on the way.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import pkcs11js from 'pkcs11js';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');

export class SoftHsm {
  /** The slot id SoftHSM gave the token. */
  slot = -1;

  private constructor(
    readonly conf: string,
    readonly token: string,
    readonly pin: string,
  ) {}

  /**
   * A fresh token with user PIN `pin`, labelled uniquely, in the folder SOFTHSM2_CONF names (set by
   * jest.config.js for the workers, so that the module loaded in this process sees it too).
   */
  static create(pin = '4711-hsm'): SoftHsm {
    const conf = process.env['SOFTHSM2_CONF'];
    if (!conf) throw new Error('SOFTHSM2_CONF is not set: run the tests through jest (jest.config.js sets it)');
    const tokens = join(dirname(conf), 'tokens');
    mkdirSync(tokens, { recursive: true });
    writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
    const token = `fnd-${process.pid}-${Date.now() % 100000}`;
    const out = execFileSync('softhsm2-util', ['--init-token', '--free', '--label', token, '--so-pin', 'so-12345678', '--pin', pin], { encoding: 'utf8' });
    const hsm = new SoftHsm(conf, token, pin);
    hsm.slot = Number(/reassigned to slot (\d+)/.exec(out)?.[1] ?? NaN);
    return hsm;
  }

  /** Copies a P-256 key into the token as a private and a public key object labelled `label`. */
  importKey(key: KeyObject, label: string): void {
    const jwk = key.export({ format: 'jwk' });
    const d = Buffer.from(jwk.d!, 'base64url');
    const point = Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    this.withSession((p, s) => {
      const b = pkcs11js;
      const common = [
        { type: b.CKA_TOKEN, value: true },
        { type: b.CKA_KEY_TYPE, value: b.CKK_EC },
        { type: b.CKA_LABEL, value: label },
        { type: b.CKA_ID, value: Buffer.from(label) },
        { type: b.CKA_EC_PARAMS, value: P256_PARAMS },
      ];
      p.C_CreateObject(s, [...common, { type: b.CKA_CLASS, value: b.CKO_PRIVATE_KEY }, { type: b.CKA_PRIVATE, value: true }, { type: b.CKA_SENSITIVE, value: true }, { type: b.CKA_SIGN, value: true }, { type: b.CKA_VALUE, value: d }]);
      p.C_CreateObject(s, [...common, { type: b.CKA_CLASS, value: b.CKO_PUBLIC_KEY }, { type: b.CKA_VERIFY, value: true }, { type: b.CKA_EC_POINT, value: Buffer.concat([Buffer.from([0x04, point.length]), point]) }]);
    });
  }

  /** Has the token make a P-256 key pair labelled `label` (the private half never leaves it). */
  generateKey(label: string): void {
    this.withSession((p, s) => {
      const b = pkcs11js;
      p.C_GenerateKeyPair(
        s,
        { mechanism: b.CKM_EC_KEY_PAIR_GEN },
        [
          { type: b.CKA_TOKEN, value: true },
          { type: b.CKA_LABEL, value: label },
          { type: b.CKA_EC_PARAMS, value: P256_PARAMS },
          { type: b.CKA_VERIFY, value: true },
        ],
        [
          { type: b.CKA_TOKEN, value: true },
          { type: b.CKA_LABEL, value: label },
          { type: b.CKA_PRIVATE, value: true },
          { type: b.CKA_SENSITIVE, value: true },
          { type: b.CKA_SIGN, value: true },
        ],
      );
    });
  }

  /** Deletes the token, and the folder once no token is left in it. */
  remove(): void {
    execFileSync('softhsm2-util', ['--delete-token', '--token', this.token], { stdio: 'pipe' });
    const folder = dirname(this.conf);
    if (readdirSync(join(folder, 'tokens')).length === 0) rmSync(folder, { recursive: true, force: true });
  }

  private withSession(work: (p: InstanceType<typeof pkcs11js.PKCS11>, session: Buffer) => void): void {
    const p = new pkcs11js.PKCS11();
    p.load(SOFTHSM_MODULE);
    p.C_Initialize();
    try {
      const slot = p.C_GetSlotList(true).find((h) => p.C_GetTokenInfo(h).label.trim() === this.token);
      if (!slot) throw new Error(`token ${this.token} not found`);
      const s = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      p.C_Login(s, pkcs11js.CKU_USER, this.pin);
      try {
        work(p, s);
      } finally {
        p.C_Logout(s);
        p.C_CloseSession(s);
      }
    } finally {
      p.C_Finalize();
    }
  }
}
