/**
 * The NMS signing key in an HSM or software token (SoftHSM), used through its PKCS#11 module as
 * FND keeps its CSMP keys: the private key never leaves the token; the harness hands it a SHA-256
 * digest and gets r||s back.
 *
 * CKM_ECDSA is used rather than CKM_ECDSA_SHA256: every token that does ECDSA has the former
 * (SoftHSM 2.6 lacks the latter), and hashing here costs nothing. PKCS#11 returns the signature as
 * the raw concatenation r||s (PKCS#11 v2.40 §2.3.1), which is converted to the DER ECDSA-Sig-Value
 * that CSMP's Signature.value carries (doc 7.2) — the same bytes node:crypto makes from a PEM key.
 *
 * The PIN is read from the environment variable the rig names, at open, and kept only for the
 * C_Login call; it appears in no error, log or report.
 */
import { createHash } from 'node:crypto';
import { ConfigError, ResourceError } from '../../core/errors.js';
import { ecdsaDerFromIntegers } from '../csmp/asn1.js';
import { publicKeyFromPoint } from '../csmp/keys.js';
import type { Pkcs11KeySpec } from '../config/rig.js';
import type { SignatureKey } from './signing.js';

type Pkcs11Module = typeof import('pkcs11js');
type Pkcs11 = InstanceType<Pkcs11Module['PKCS11']>;
type Handle = Buffer;

/** DER of the P-256 OID (1.2.840.10045.3.1.7), as CKA_EC_PARAMS holds it for a named curve. */
const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');
const P256_SCALAR_BYTES = 32;

/** Modules initialised in this process, by path: C_Initialize once, C_Finalize after the last user. */
const modules = new Map<string, { p: Pkcs11; users: number }>();

async function loadBinding(): Promise<Pkcs11Module> {
  try {
    const m = (await import('pkcs11js')) as Pkcs11Module & { default?: Pkcs11Module };
    return m.default ?? m;
  } catch (e) {
    throw new ResourceError('pkcs11js', 'unavailable', `PKCS#11 support is not available (the native module did not build: npm rebuild pkcs11js): ${(e as Error).message}`);
  }
}

/** The slot id as the rig gives it: CK_SLOT_ID is an unsigned long, little-endian in the handle. */
function slotId(h: Handle): number {
  return Number(h.length >= 8 ? h.readBigUInt64LE(0) : BigInt(h.readUInt32LE(0)));
}

function pkcs11Reason(e: unknown): string {
  // Pkcs11Error's message is the CKR_ name (CKR_PIN_INCORRECT); nothing of the PIN is in it.
  return e instanceof Error ? e.message : String(e);
}

// How environment variables are conventionally named; anything else may be the PIN written in its variable's place.
const VARIABLE_NAME = /^[A-Z_][A-Z0-9_]*$/;

function pinNotSet(name: string, where: string): string {
  if (VARIABLE_NAME.test(name)) return `environment variable ${name} is not set (it holds the user PIN of ${where})`;
  return `the environment variable it names is not set (the name is not shown: it is not in capitals like HIL_HSM_PIN, so it may be the PIN itself); that variable holds the user PIN of ${where}`;
}

export async function openPkcs11Key(spec: Pkcs11KeySpec, env: NodeJS.ProcessEnv = process.env): Promise<SignatureKey> {
  const where = `PKCS#11 ${spec.token !== undefined ? `token '${spec.token}'` : `slot ${spec.slot}`}`;
  const pin = env[spec.pinEnv];
  if (pin === undefined || pin === '') throw new ConfigError('nms.signing.pkcs11.pinEnv', 'missing', pinNotSet(spec.pinEnv, where));
  const binding = await loadBinding();
  let mod = modules.get(spec.module);
  if (!mod) {
    const p = new binding.PKCS11();
    try {
      p.load(spec.module);
    } catch (e) {
      throw new ResourceError(spec.module, 'unavailable', `cannot load the PKCS#11 module: ${pkcs11Reason(e)}`);
    }
    try {
      p.C_Initialize();
    } catch (e) {
      // Another binding in this process initialised the same library first: it is usable as is.
      if ((e as { code?: number }).code !== binding.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        throw new ResourceError(spec.module, 'unavailable', `C_Initialize failed: ${pkcs11Reason(e)}`);
      }
    }
    mod = { p, users: 0 };
    modules.set(spec.module, mod);
  }
  mod.users++;
  const { p } = mod;
  let session: Handle | undefined;
  const release = (): void => {
    if (session) {
      try {
        p.C_Logout(session);
      } catch {
        // Not logged in, or the session already closed.
      }
      try {
        p.C_CloseSession(session);
      } catch {
        // Already closed.
      }
      session = undefined;
    }
    if (--mod!.users === 0) {
      modules.delete(spec.module);
      try {
        p.C_Finalize();
      } catch {
        // Finalised elsewhere.
      }
    }
  };
  try {
    const slot = findSlot(p, spec, where);
    session = p.C_OpenSession(slot, binding.CKF_SERIAL_SESSION);
    try {
      p.C_Login(session, binding.CKU_USER, pin);
    } catch (e) {
      if ((e as { code?: number }).code !== binding.CKR_USER_ALREADY_LOGGED_IN) throw new ResourceError(where, 'refused', `login failed: ${pkcs11Reason(e)}`);
    }
    const key = findKey(p, binding, session, spec.key, where);
    const described = `${where} key '${spec.key}'`;
    const publicKey = findPublicKey(p, binding, session, spec.key);
    const s = session;
    let closed = false;
    return {
      description: described,
      ...(publicKey ? { publicKey } : {}),
      sign(data: Uint8Array): Uint8Array {
        if (closed) throw new ResourceError(described, 'state', 'the token session is closed');
        const digest = createHash('sha256').update(data).digest();
        let raw: Buffer;
        try {
          p.C_SignInit(s, { mechanism: binding.CKM_ECDSA }, key);
          raw = p.C_Sign(s, digest, Buffer.alloc(2 * P256_SCALAR_BYTES));
        } catch (e) {
          throw new ResourceError(described, 'io', `signing failed: ${pkcs11Reason(e)}`);
        }
        if (raw.length !== 2 * P256_SCALAR_BYTES) throw new ResourceError(described, 'io', `signature of ${raw.length} bytes, expected r||s of ${2 * P256_SCALAR_BYTES}`);
        return ecdsaDerFromIntegers(raw.subarray(0, P256_SCALAR_BYTES), raw.subarray(P256_SCALAR_BYTES));
      },
      close(): void {
        if (closed) return;
        closed = true;
        release();
      },
    };
  } catch (e) {
    release();
    if (e instanceof ResourceError || e instanceof ConfigError) throw e;
    throw new ResourceError(where, 'unavailable', pkcs11Reason(e));
  }
}

function findSlot(p: Pkcs11, spec: Pkcs11KeySpec, where: string): Handle {
  const slots = p.C_GetSlotList(true);
  const seen: string[] = [];
  for (const h of slots) {
    const label = p.C_GetTokenInfo(h).label.trim();
    seen.push(`slot ${slotId(h)} '${label}'`);
    if (spec.token !== undefined ? label === spec.token : slotId(h) === spec.slot) return h;
  }
  throw new ResourceError(where, 'missing', `no such token (present: ${seen.length ? seen.join(', ') : 'no tokens'})`);
}

function findObjects(p: Pkcs11, session: Handle, template: { type: number; value: number | string | boolean | Buffer }[]): Handle[] {
  p.C_FindObjectsInit(session, template);
  try {
    return p.C_FindObjects(session, 2);
  } finally {
    p.C_FindObjectsFinal(session);
  }
}

function findKey(p: Pkcs11, b: Pkcs11Module, session: Handle, label: string, where: string): Handle {
  const found = findObjects(p, session, [
    { type: b.CKA_CLASS, value: b.CKO_PRIVATE_KEY },
    { type: b.CKA_LABEL, value: label },
  ]);
  if (found.length === 0) throw new ResourceError(where, 'missing', `no private key labelled '${label}'`);
  if (found.length > 1) throw new ResourceError(where, 'unavailable', `several private keys are labelled '${label}'`);
  const [type, params] = p.C_GetAttributeValue(session, found[0]!, [{ type: b.CKA_KEY_TYPE }, { type: b.CKA_EC_PARAMS }]);
  if (type!.value!.readUInt32LE(0) !== b.CKK_EC || !Buffer.from(params!.value as Buffer).equals(P256_PARAMS)) {
    throw new ResourceError(where, 'unavailable', `key '${label}' is not ECDSA P-256 (prime256v1)`);
  }
  return found[0]!;
}

/** The public half, when the token keeps a public key object under the same label (CKA_EC_POINT). */
function findPublicKey(p: Pkcs11, b: Pkcs11Module, session: Handle, label: string) {
  const [pub] = findObjects(p, session, [
    { type: b.CKA_CLASS, value: b.CKO_PUBLIC_KEY },
    { type: b.CKA_LABEL, value: label },
  ]);
  if (!pub) return undefined;
  try {
    const [point] = p.C_GetAttributeValue(session, pub, [{ type: b.CKA_EC_POINT }]);
    const v = point!.value as Buffer;
    // CKA_EC_POINT is the DER OCTET STRING around 04|X|Y (some tokens give the bare point).
    const raw = v[0] === 0x04 && v.length === 67 && v[1] === 65 ? v.subarray(2) : v;
    return publicKeyFromPoint(raw);
  } catch {
    return undefined;
  }
}
