import { describe, expect, test, afterAll } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envelope } from '../../../harness/evidence/dsse.js';
import { ENVELOPE_FILE, MANIFEST_FILE, PUBLIC_KEY_FILE } from '../../../harness/evidence/bundle-layout.js';
import { PAYLOAD_TYPE, PREDICATE_TYPE, STATEMENT_TYPE } from '../../../harness/evidence/statement.js';
import { verifyBundle } from '../../../harness/evidence/verify.js';

// A bundle is input from anyone: whatever its manifest holds, verify names the field, never throws.
const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const root = mkdtempSync(join(tmpdir(), 'hil-verify-shape-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const digest = { sha256: 'ab'.repeat(32) };
function goodStatement(): Record<string, unknown> {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: 'fw.img', digest }],
    predicateType: PREDICATE_TYPE,
    predicate: {
      verdict: 'certified',
      reasons: [],
      firmware: { file: 'fw.img', digest, size: 1 },
      devices: [],
      rig: { name: 'virtual', file: 'rig.yaml', digest },
      harness: { name: 'csmp-hil', version: '0.1.0' },
      suiteSet: { name: 'cert', version: 1, file: 'set.yaml', digest },
      suites: [],
      verdicts: [],
      files: [],
    },
  };
}

/** A bundle signed by the test key whose envelope file holds `envelopeJson` (or the signed `statement`). */
function bundle(statement: unknown, envelopeJson?: string): string {
  const dir = join(root, `b${n++}`);
  const payload = Buffer.from(JSON.stringify(statement));
  const env = envelope(PAYLOAD_TYPE, payload, keys);
  mkdirSync(dir);
  writeFileSync(join(dir, ENVELOPE_FILE), envelopeJson ?? JSON.stringify(env));
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(statement, null, 2));
  writeFileSync(join(dir, PUBLIC_KEY_FILE), keys.publicKey.export({ type: 'spki', format: 'pem' }));
  return dir;
}
const verify = (dir: string, firmware?: Uint8Array) => verifyBundle(dir, { publicKey: keys.publicKey, ...(firmware ? { firmware } : {}) });

describe('hil verify on a malformed manifest names the field', () => {
  test('the well-formed statement verifies (the control)', () => {
    expect(verify(bundle(goodStatement())).problems).toEqual([]);
  });

  test('an envelope that is null, or whose signature fields have other types', () => {
    expect(verify(bundle(goodStatement(), 'null')).problems).toEqual([`${ENVELOPE_FILE}: not a DSSE envelope: must be a mapping (found null)`]);
    const env = JSON.stringify({ payloadType: PAYLOAD_TYPE, payload: 'e30=', signatures: [{ keyid: 1, sig: '!!!' }] });
    expect(verify(bundle(goodStatement(), env)).problems).toEqual([`${ENVELOPE_FILE}: not a DSSE envelope: signatures[0].keyid: must be a string (found 1)`]);
  });

  test('a signed statement listing null, a numeric path, or no subject', () => {
    const nullFile = goodStatement();
    (nullFile.predicate as { files: unknown[] }).files = [null];
    expect(verify(bundle(nullFile)).problems).toEqual([`${ENVELOPE_FILE}: the payload is not a csmp-hil certification statement (predicate.files[0]: must be a mapping (found null))`]);
    const numericPath = goodStatement();
    (numericPath.predicate as { files: unknown[] }).files = [{ path: 5, digest, size: 1 }];
    expect(verify(bundle(numericPath)).problems).toEqual([`${ENVELOPE_FILE}: the payload is not a csmp-hil certification statement (predicate.files[0].path: must be a string (found 5))`]);
    const noSubject = goodStatement();
    delete noSubject.subject;
    expect(verify(bundle(noSubject), Uint8Array.of(1)).problems).toEqual([
      `${ENVELOPE_FILE}: the payload is not a csmp-hil certification statement (missing property 'subject')`,
    ]);
  });
});
