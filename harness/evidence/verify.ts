/**
 * `hil verify` as a function: is this bundle what was signed, and by whom? The signature over the
 * manifest, the readable manifest against the signed one, every listed file by SHA-256 and size,
 * no file or folder added (an empty one too), and optionally the firmware image against the manifest's subject. Each problem
 * names what changed. Only regular files are read: a link, FIFO, socket or device in the bundle
 * is a problem named with its kind, never followed or opened for its content (a FIFO would block
 * the reader for ever).
 *
 * The signer is pinned by the key the caller gives (the lab's). The bundle's own signer.pub.pem
 * proves nothing about who signed: whoever changes the files can sign the manifest again with a
 * fresh key and put that key beside it. Without a given key the bundle is still checked with its
 * own key (so its problems are named), but it is not verified: `unpinnedKeyid` says so and a
 * problem is added — unless the caller asks for that integrity-only check (`trustBundleKey`).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBase64Strict, keyId, notBase64, verifyEnvelope, type DsseEnvelope } from './dsse.js';
import { describeKind, foldersOf, listTree, readRegularFile, sha256Hex, type BundleEntry } from './files.js';
import { BUNDLE_OWN_FILES, ENVELOPE_FILE, INTERRUPTED_FILE, MANIFEST_FILE, PUBLIC_KEY_FILE } from './bundle-layout.js';
import { PAYLOAD_TYPE, PREDICATE_TYPE, STATEMENT_TYPE, type EvidenceFile, type Statement } from './statement.js';
import { envelopeShapeProblem, statementShapeProblem } from './statement-shape.js';

export interface VerifyOptions {
  /** The lab's public key: the only thing that pins who signed. */
  publicKey?: KeyObject;
  /**
   * Without publicKey: accept the key inside the bundle (an integrity-only check, the signer not
   * pinned). Without either, a bundle signed by its own key is refused as an unverified signer.
   */
  trustBundleKey?: boolean;
  /** The firmware image, checked against the manifest's subject. */
  firmware?: Uint8Array;
}

export interface VerifyResult {
  /** Empty when the bundle is intact and signed. */
  problems: string[];
  statement?: Statement;
  /** The key that verified the signature, and where it came from. */
  keyid?: string;
  keySource?: 'given' | 'bundle';
  /** No key given and none trusted: the key id of the bundle's own key, which signed the manifest (a problem says so). */
  unpinnedKeyid?: string;
  /** The folder holds no readable envelope: nothing to verify. */
  notABundle?: boolean;
}

export function verifyBundle(dir: string, opts: VerifyOptions = {}): VerifyResult {
  const problems: string[] = [];
  const read = (name: string): OwnFile => {
    const p = join(dir, name);
    const r = readRegularFile(p);
    if ('bytes' in r) return { text: r.bytes.toString('utf8') };
    if ('missing' in r) return { absent: true };
    return { problem: 'kind' in r ? `${describeKind(r.kind, p)}, not a file` : `cannot read: ${r.error}` };
  };
  const envFile = read(ENVELOPE_FILE);
  if ('absent' in envFile) {
    const stopped = 'text' in read(INTERRUPTED_FILE) ? `; ${INTERRUPTED_FILE}: the certification was stopped before it ended, and this folder holds only what it gathered until then` : '';
    return { problems: [`${ENVELOPE_FILE}: missing (not a certification bundle)${stopped}`], notABundle: true };
  }
  if ('problem' in envFile) return { problems: [`${ENVELOPE_FILE}: ${envFile.problem} (not a certification bundle)`], notABundle: true };
  const envText = envFile.text;
  let env: DsseEnvelope;
  try {
    env = JSON.parse(envText) as DsseEnvelope;
  } catch {
    return { problems: [`${ENVELOPE_FILE}: not JSON`], notABundle: true };
  }
  const envShape = envelopeShapeProblem(env);
  if (envShape !== undefined) return { problems: [`${ENVELOPE_FILE}: not a DSSE envelope: ${envShape}`] };
  if (env.payloadType !== PAYLOAD_TYPE) problems.push(`${ENVELOPE_FILE}: payloadType is ${JSON.stringify(env.payloadType)}, not ${PAYLOAD_TYPE}`);

  let key = opts.publicKey;
  let keySource: VerifyResult['keySource'] = key ? 'given' : undefined;
  const pem = read(PUBLIC_KEY_FILE);
  if ('problem' in pem) problems.push(`${PUBLIC_KEY_FILE}: ${pem.problem}`);
  if (!key && 'text' in pem) {
    try {
      key = createPublicKey(pem.text);
      keySource = 'bundle';
    } catch {
      problems.push(`${PUBLIC_KEY_FILE}: not a public key`);
    }
  }
  const result: VerifyResult = { problems };
  if (!key) problems.push(`${ENVELOPE_FILE}: cannot check the signature: no --pub given and ${'absent' in pem ? `no ${PUBLIC_KEY_FILE} in the bundle` : `no usable ${PUBLIC_KEY_FILE} in the bundle`}`);
  else {
    const check = verifyEnvelope(env, key);
    if (check.ok) {
      result.keyid = check.keyid;
      if (keySource) result.keySource = keySource;
      if (keySource === 'bundle' && !opts.trustBundleKey) {
        result.unpinnedKeyid = check.keyid;
        problems.push(
          `${PUBLIC_KEY_FILE}: unverified signer: the manifest is signed by the key inside the bundle (key ${check.keyid}), which anyone who changes the bundle can replace with their own; pass --pub with the lab's public key (or --trust-bundle-key for an integrity-only check)`,
        );
      }
    } else problems.push(`${ENVELOPE_FILE}: ${check.reason}`);
    if (keySource === 'given' && 'text' in pem) {
      try {
        const enclosed = keyId(createPublicKey(pem.text));
        if (enclosed !== keyId(key)) problems.push(`${PUBLIC_KEY_FILE}: is not the key given with --pub (the bundle names another signer)`);
      } catch {
        problems.push(`${PUBLIC_KEY_FILE}: not a public key`);
      }
    }
  }

  const payload = decodeBase64Strict(env.payload);
  if (!payload) {
    const why = `${ENVELOPE_FILE}: ${notBase64('payload')}`;
    if (!problems.includes(why)) problems.push(why);
    return result;
  }
  let st: Statement;
  try {
    st = JSON.parse(payload.toString('utf8')) as Statement;
  } catch {
    problems.push(`${ENVELOPE_FILE}: the payload is not a JSON statement`);
    return result;
  }
  const stShape = statementShapeProblem(st);
  if (stShape !== undefined || st._type !== STATEMENT_TYPE || st.predicateType !== PREDICATE_TYPE) {
    problems.push(`${ENVELOPE_FILE}: the payload is not a csmp-hil certification statement${stShape === undefined ? '' : ` (${stShape})`}`);
    return result;
  }
  result.statement = st;

  const readable = read(MANIFEST_FILE);
  if ('absent' in readable) problems.push(`${MANIFEST_FILE}: missing`);
  else if ('problem' in readable) problems.push(`${MANIFEST_FILE}: ${readable.problem}`);
  else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readable.text);
    } catch {
      parsed = undefined;
      problems.push(`${MANIFEST_FILE}: not JSON`);
    }
    if (parsed !== undefined) {
      const diffs = differences(st, parsed, '');
      for (const d of diffs.slice(0, 5)) problems.push(`${MANIFEST_FILE}: ${d}`);
      if (diffs.length > 5) problems.push(`${MANIFEST_FILE}: … and ${diffs.length - 5} more differences from the signed manifest`);
    }
  }

  const entries = new Map<string, BundleEntry['kind']>();
  const tree = listTree(dir, (path, reason) => problems.push(`${path || '.'}/: cannot list the folder: ${reason}`));
  for (const e of tree.entries) entries.set(e.path, e.kind);
  const listed = new Set<string>();
  for (const f of st.predicate.files) {
    listed.add(f.path);
    const problem = fileProblem(dir, f, entries.get(f.path));
    if (problem) problems.push(`${f.path}: ${problem}`);
  }
  for (const [path, kind] of entries) {
    if (listed.has(path) || BUNDLE_OWN_FILES.includes(path)) continue;
    problems.push(`${path}: ${kind === 'file' ? '' : `${describeKind(kind, join(dir, path))}, `}not in the manifest (added after signing)`);
  }
  problems.push(...folderProblems(dir, st, listed, tree.folders));

  if (opts.firmware) {
    const got = sha256Hex(opts.firmware);
    const want = st.subject[0]?.digest.sha256;
    if (got !== want) problems.push(`--firmware: the image's SHA-256 is ${got}, the bundle certifies ${want}`);
  }
  return result;
}

/**
 * Folders against the manifest's list: an added one is refused even when empty (a file walk cannot
 * see it), a signed one that is gone is missing. A manifest from before folders were recorded
 * vouches only for the folders its files lie in.
 */
function folderProblems(dir: string, st: Statement, listedFiles: ReadonlySet<string>, present: readonly string[]): string[] {
  const recorded = st.predicate.folders;
  const signed = new Set(recorded ?? foldersOf([...listedFiles]));
  const out: string[] = [];
  for (const f of present) {
    // A folder where a signed file was is named by the file check.
    if (signed.has(f) || listedFiles.has(f)) continue;
    out.push(`${f}/: a folder not in the manifest (added after signing)${recorded ? '' : '; this manifest predates folder lists, so only folders holding signed files are accepted'}`);
  }
  if (recorded) {
    const here = new Set(present);
    for (const f of recorded) if (!here.has(f) && !isFolder(join(dir, ...f.split('/')))) out.push(`${f}/: missing (a folder that was signed)`);
  }
  return out;
}

const isFolder = (p: string): boolean => {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
};

type OwnFile = { text: string } | { absent: true } | { problem: string };

/**
 * What is wrong with a listed file, found in the walk as `kind` (undefined: not there, or a path
 * the walk cannot reach, such as one through a link or outside the bundle).
 */
function fileProblem(dir: string, f: EvidenceFile, kind: BundleEntry['kind'] | undefined): string | undefined {
  const full = join(dir, ...f.path.split('/'));
  // Folders are walked, not listed; anything else unlisted is gone, or only reachable through a link (named as added).
  if (kind === undefined) return isFolder(full) ? 'a folder, not the file that was signed' : 'missing';
  if (kind !== 'file') return `${describeKind(kind, full)}, not the file that was signed`;
  const r = readRegularFile(full);
  if ('missing' in r) return 'missing';
  if ('kind' in r) return `${describeKind(r.kind, full)}, not the file that was signed`;
  if ('error' in r) return `cannot read: ${r.error}`;
  const sha = sha256Hex(r.bytes);
  if (sha !== f.digest.sha256) return `changed (SHA-256 ${sha}, the manifest says ${f.digest.sha256})`;
  if (r.bytes.length !== f.size) return `changed (${r.bytes.length} bytes, the manifest says ${f.size})`;
  return undefined;
}

/** Where the readable manifest `b` differs from the signed one `a`: 'predicate.verdict is "certified", signed "not certified"'. */
function differences(a: unknown, b: unknown, path: string): string[] {
  if (a === b) return [];
  const here = path || '(the whole manifest)';
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return [`${here} is ${JSON.stringify(b)}, signed ${JSON.stringify(a)}`];
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    if (a.length !== b.length) out.push(`${here} has ${b.length} entries, signed ${a.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) out.push(...differences(a[i], b[i], `${path}[${i}]`));
    return out;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const out: string[] = [];
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    const p = path ? `${path}.${k}` : k;
    if (!(k in bo)) out.push(`${p} is missing, signed ${JSON.stringify(ao[k])}`);
    else if (!(k in ao)) out.push(`${p} was added: ${JSON.stringify(bo[k])}`);
    else out.push(...differences(ao[k], bo[k], p));
  }
  return out;
}
