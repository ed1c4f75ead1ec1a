/**
 * `hil certify` and `hil verify` through the built CLI, against the virtual rig: a bundle that
 * verifies, every kind of tampering refused with what changed named, a device running another
 * image refused before any test, and the lab key nowhere in what was printed or written.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { foldersOf, hashFile, listFiles } from '../../../harness/evidence/files.js';
import { envelope, keyId, type DsseEnvelope } from '../../../harness/evidence/dsse.js';
import type { Statement } from '../../../harness/evidence/statement.js';
import { tempDir, writeRig } from '../../suites/support/rigs.js';
import { ensureBuilt, hil, type CliResult } from './support/cli.js';

const tmp = tempDir('hil-cert-');
afterAll(() => tmp.cleanup());

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const lab = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyPem = lab.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const file = (name: string, content: string | Uint8Array): string => {
  const p = join(tmp.dir, name);
  writeFileSync(p, content);
  return p;
};
const keyFile = file('lab-key.pem', keyPem);
const pubFile = file('lab.pub.pem', lab.publicKey.export({ type: 'spki', format: 'pem' }).toString());
const otherPub = file('other.pub.pem', other.publicKey.export({ type: 'spki', format: 'pem' }).toString());
const image = randomBytes(4096);
const imageFile = file('meter-5.6.21.bin', image);
const setFile = file('set.yaml', 'set: certification\nversion: 7\ninclude: ["3-firmware-info.yaml"]\n');
const bundle = join(tmp.dir, 'bundle');
let run: CliResult;

beforeAll(async () => {
  await ensureBuilt();
  const rig = writeRig(tmp.dir, 'lab-rig', [{}]);
  run = await hil(['certify', '--rig', rig, '--firmware', imageFile, '--key', keyFile, '--out', bundle, '--set', setFile], { timeoutMs: 120_000 });
}, 180_000);

const manifest = (dir = bundle): Statement => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Statement;
const copy = (name: string): string => {
  const to = join(tmp.dir, name);
  cpSync(bundle, to, { recursive: true });
  return to;
};

describe('a certification that passes', () => {
  test('exit 0, and the verdict with the image and the bundle printed', () => {
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      `certified: meter-5.6.21.bin (SHA-256 ${sha(image)}) on rig lab-rig, certification set v7`,
      expect.stringMatching(new RegExp(`^bundle: ${bundle} \\(\\d+ files by SHA-256; manifest signed by key ${sha(lab.publicKey.export({ type: 'spki', format: 'der' }))}\\)$`)),
      '',
    ]);
    expect(run.stderr).toContain(`  bundle  ${bundle}\n`);
  });

  test('the manifest binds the image, what the device reports running, identity, rig, harness, suites, verdicts and files', () => {
    const st = manifest();
    expect(st._type).toBe('https://in-toto.io/Statement/v1');
    expect(st.subject).toEqual([{ name: 'meter-5.6.21.bin', digest: { sha256: sha(image) } }]);
    const p = st.predicate;
    expect(p.verdict).toBe('certified');
    expect(p.reasons).toEqual([]);
    expect(p.firmware).toEqual({ file: 'meter-5.6.21.bin', digest: { sha256: sha(image) }, size: 4096 });
    // The virtual meter was given the image: its FirmwareImageInfo reports the file's own hash.
    expect(p.devices).toEqual([
      {
        name: 'meter-1',
        eui64: '00173BFFFE000001',
        reportedEui64: '00173BFFFE000001',
        hwId: 'RFLAN/3.60/3.80',
        reportedHwId: 'RFLAN/3.60/3.80',
        reportedVersion: '5.6.21',
        reportedImageSha256: sha(image),
        runsImage: true,
      },
    ]);
    expect(p.rig).toEqual({ name: 'lab-rig', file: 'lab-rig.yaml', digest: { sha256: sha(readFileSync(join(tmp.dir, 'lab-rig.yaml'))) } });
    expect(p.harness).toEqual({ name: 'csmp-hil', version: JSON.parse(readFileSync('package.json', 'utf8')).version });
    expect(p.suiteSet).toEqual({ name: 'certification', version: 7, file: 'set.yaml', digest: { sha256: sha(readFileSync(setFile)) } });
    expect(p.suites).toEqual([{ name: 'firmware-info', file: '3-firmware-info.yaml', digest: { sha256: sha(readFileSync('suites/3-firmware-info.yaml')) } }]);
    expect(p.verdicts.map((v) => `${v.outcome} ${v.test}`)).toEqual([
      'passed firmware-info @ meter-1 › the running slot holds the expected version and hardware id',
      'passed firmware-info @ meter-1 › the default slot holds an image for this hardware',
      'passed firmware-info @ meter-1 › one slot can be read by its index',
    ]);
    const paths = p.files.map((f) => f.path);
    expect(paths).toEqual(listFiles(bundle).filter((f) => f.startsWith('reports/')));
    expect(paths).toEqual(expect.arrayContaining(['reports/junit.xml', 'reports/report.html', 'reports/events.jsonl']));
    expect(paths.filter((f) => f.endsWith('.pcap'))).toHaveLength(3);
    expect(paths.filter((f) => f.endsWith('.console.log'))).toHaveLength(3);
    for (const f of p.files) expect(f.digest.sha256).toBe(sha(readFileSync(join(bundle, f.path))));
    // The readable manifest is the signed one.
    const env = JSON.parse(readFileSync(join(bundle, 'manifest.dsse.json'), 'utf8')) as DsseEnvelope;
    expect(env.payloadType).toBe('application/vnd.in-toto+json');
    expect(JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8'))).toEqual(st);
  });

  test('the lab key appears in nothing printed or written', () => {
    const body = keyPem.split('\n').filter((l) => l && !l.startsWith('-----'));
    const d = lab.privateKey.export({ format: 'jwk' }).d!;
    const secrets = [...body, d, Buffer.from(d, 'base64url').toString('hex'), Buffer.from(d, 'base64url').toString('base64')];
    const texts = [run.stdout, run.stderr, ...listFiles(bundle).map((f) => readFileSync(join(bundle, f), 'latin1'))];
    for (const s of secrets) for (const t of texts) expect(t.includes(s)).toBe(false);
  });

  test('hil verify: every hash and the signature check out, with the lab key and the image', async () => {
    const v = await hil(['verify', bundle, '--pub', pubFile, '--firmware', imageFile]);
    expect(v.code).toBe(0);
    expect(v.stdout.split('\n')[0]).toMatch(new RegExp(`^verified: ${bundle}: \\d+ files match the manifest, signed by key [0-9a-f]{64}$`));
    expect(v.stdout.split('\n')[1]).toMatch(/^verdict: certified — meter-5\.6\.21\.bin \(SHA-256 [0-9a-f]{64}\), 3 tests, certification set v7, rig lab-rig, csmp-hil /);
  });

  test('hil verify --trust-bundle-key: integrity only, with the key inside the bundle, and says the signer was not pinned', async () => {
    const v = await hil(['verify', bundle, '--trust-bundle-key']);
    expect(v.code).toBe(0);
    const lines = v.stdout.split('\n');
    expect(lines[0]).toBe(
      `intact (integrity only): ${bundle}: ${manifest().predicate.files.length} files match the manifest, signed by key ${keyId(lab.publicKey)}, the key inside the bundle: the signer is not pinned (pass --pub with the lab's public key to verify who signed)`,
    );
    expect(lines[1]).toMatch(/^verdict \(signer not pinned\): certified — meter-5\.6\.21\.bin \(SHA-256 [0-9a-f]{64}\), 3 tests, /);
    const both = await hil(['verify', bundle, '--pub', pubFile, '--trust-bundle-key']);
    expect([both.code, both.stdout, both.stderr]).toEqual([2, '', 'hil verify: --trust-bundle-key: not with --pub: --pub pins the signer, the key inside the bundle must then be that key\n']);
  });
});

describe('hil verify without --pub: the key inside a bundle pins no signer', () => {
  const unpinned = (key: string): string =>
    `  - signer.pub.pem: unverified signer: the manifest is signed by the key inside the bundle (key ${key}), which anyone who changes the bundle can replace with their own; pass --pub with the lab's public key (or --trust-bundle-key for an integrity-only check)\n`;

  test('the lab\'s own bundle, intact: refused as an unverified signer (exit 1), the key named', async () => {
    const v = await hil(['verify', bundle]);
    expect(v.code).toBe(1);
    expect(v.stdout).toBe(`REFUSED: ${bundle}: unverified signer (no --pub)\n${unpinned(keyId(lab.publicKey))}`);
  });

  test('files changed and the bundle re-signed with a fresh key: refused without --pub, and with it; integrity-only says not pinned', async () => {
    const dir = copy('re-signed');
    appendFileSync(join(dir, 'reports', 'junit.xml'), '<!-- edited after the run -->\n');
    const st = manifest(dir);
    st.predicate.files = st.predicate.files.map((f) => hashFile(dir, f.path));
    const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(st, null, 2)}\n`);
    writeFileSync(join(dir, 'signer.pub.pem'), forger.publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'manifest.dsse.json'), JSON.stringify(envelope('application/vnd.in-toto+json', Buffer.from(JSON.stringify(st)), forger)));

    const bare = await hil(['verify', dir]);
    expect(bare.code).toBe(1);
    expect(bare.stdout).toBe(`REFUSED: ${dir}: unverified signer (no --pub)\n${unpinned(keyId(forger.publicKey))}`);
    expect(bare.stdout).not.toContain('verdict');

    const pinned = await hil(['verify', dir, '--pub', pubFile]);
    expect(pinned.code).toBe(1);
    expect(pinned.stdout).toBe(
      `REFUSED: ${dir} is not what was signed\n` +
        `  - manifest.dsse.json: no signature by key ${keyId(lab.publicKey).slice(0, 16)}… (signed by ${keyId(forger.publicKey).slice(0, 16)}…)\n` +
        '  - signer.pub.pem: is not the key given with --pub (the bundle names another signer)\n',
    );

    const integrity = await hil(['verify', dir, '--trust-bundle-key']);
    expect(integrity.code).toBe(0);
    expect(integrity.stdout.split('\n')[0]).toContain(`signed by key ${keyId(forger.publicKey)}, the key inside the bundle: the signer is not pinned`);
    expect(integrity.stdout.split('\n')[1]).toMatch(/^verdict \(signer not pinned\): certified — /);
  });

  test('changed and not re-signed: without --pub the changes are named, as with it', async () => {
    const dir = copy('changed-unpinned');
    appendFileSync(join(dir, 'reports', 'junit.xml'), '<!-- all passed -->\n');
    const v = await hil(['verify', dir]);
    expect(v.code).toBe(1);
    expect(v.stdout).toBe(
      `REFUSED: ${dir} is not what was signed\n${unpinned(keyId(lab.publicKey))}` +
        `  - reports/junit.xml: changed (SHA-256 ${sha(readFileSync(join(dir, 'reports', 'junit.xml')))}, the manifest says ${manifest().predicate.files.find((f) => f.path === 'reports/junit.xml')!.digest.sha256})\n`,
    );
  });
});

describe('hil verify refuses a bundle that changed, naming what changed', () => {
  const refused = async (dir: string, ...extra: string[]): Promise<string[]> => {
    const v = await hil(['verify', dir, '--pub', pubFile, ...extra]);
    expect(v.code).toBe(1);
    const lines = v.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`REFUSED: ${dir} is not what was signed`);
    return lines.slice(1);
  };

  test('a report file edited, one removed, one added', async () => {
    const dir = copy('tampered-files');
    const before = sha(readFileSync(join(dir, 'reports', 'junit.xml')));
    appendFileSync(join(dir, 'reports', 'junit.xml'), '<!-- all passed -->\n');
    const pcap = manifest(dir).predicate.files.find((f) => f.path.endsWith('.pcap'))!.path;
    rmSync(join(dir, pcap));
    writeFileSync(join(dir, 'reports', 'extra.txt'), 'x');
    expect(await refused(dir)).toEqual([
      `  - ${pcap}: missing`,
      `  - reports/junit.xml: changed (SHA-256 ${sha(readFileSync(join(dir, 'reports', 'junit.xml')))}, the manifest says ${before})`,
      '  - reports/extra.txt: not in the manifest (added after signing)',
    ]);
  });

  test('the readable manifest edited', async () => {
    const dir = copy('tampered-manifest');
    const st = manifest(dir);
    st.predicate.verdicts[0]!.outcome = 'failed';
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(st, null, 2));
    expect(await refused(dir)).toEqual(['  - manifest.json: predicate.verdicts[0].outcome is "failed", signed "passed"']);
  });

  test('the signed manifest edited, or signed by another key', async () => {
    const dir = copy('tampered-envelope');
    const envFile = join(dir, 'manifest.dsse.json');
    const env = JSON.parse(readFileSync(envFile, 'utf8')) as DsseEnvelope;
    const st = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as Statement;
    st.subject[0]!.digest.sha256 = '0'.repeat(64);
    env.payload = Buffer.from(JSON.stringify(st)).toString('base64');
    writeFileSync(envFile, JSON.stringify(env));
    const problems = await refused(dir);
    expect(problems[0]).toMatch(/^ {2}- manifest\.dsse\.json: the signature by key [0-9a-f]{16}… does not match the manifest: it was changed after signing$/);
    expect(problems[1]).toBe(`  - manifest.json: subject[0].digest.sha256 is "${sha(image)}", signed "${'0'.repeat(64)}"`);

    const v = await hil(['verify', bundle, '--pub', otherPub]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/ {2}- manifest\.dsse\.json: no signature by key [0-9a-f]{16}… \(signed by [0-9a-f]{16}…\)\n/);
    expect(v.stdout).toContain('  - signer.pub.pem: is not the key given with --pub (the bundle names another signer)\n');
  });

  test('text after the payload\'s base64 padding, or a signature not in canonical base64: refused, the field named', async () => {
    const dir = copy('payload-junk');
    const envFile = join(dir, 'manifest.dsse.json');
    const env = JSON.parse(readFileSync(envFile, 'utf8')) as DsseEnvelope;
    // A lenient decoder stops at the padding: the signature would still verify over the same bytes.
    writeFileSync(envFile, JSON.stringify({ ...env, payload: `${env.payload}${env.payload.endsWith('=') ? '' : '='}AAAA{"x":1}` }));
    expect(await refused(dir)).toEqual(['  - manifest.dsse.json: payload is not canonical standard base64 (RFC 4648 section 4, padded, no other characters): refused']);
    writeFileSync(envFile, JSON.stringify({ ...env, signatures: [{ ...env.signatures[0]!, sig: `${env.signatures[0]!.sig}\n` }] }));
    expect(await refused(dir)).toEqual(['  - manifest.dsse.json: signatures[0].sig is not canonical standard base64 (RFC 4648 section 4, padded, no other characters): refused']);
  });

  test('another image than the one certified', async () => {
    expect(await refused(bundle, '--firmware', pubFile)).toEqual([`  - --firmware: the image's SHA-256 is ${sha(readFileSync(pubFile))}, the bundle certifies ${sha(image)}`]);
  });

  test('a symbolic link added, to a file or to a folder: named as added, never followed', async () => {
    const dir = copy('added-links');
    symlinkSync('/etc/hostname', join(dir, 'reports', 'extra.log'));
    symlinkSync(tmp.dir, join(dir, 'reports', 'attachments', 'more'));
    expect(await refused(dir)).toEqual([
      `  - reports/attachments/more: a symbolic link (to ${tmp.dir}), not in the manifest (added after signing)`,
      '  - reports/extra.log: a symbolic link (to /etc/hostname), not in the manifest (added after signing)',
    ]);
  });

  test('the manifest lists the folders signed; one added after signing is refused even when empty, and a signed one removed is missing', async () => {
    const signed = manifest().predicate;
    expect(signed.folders).toEqual([...foldersOf(signed.files.map((f) => f.path))].sort());
    expect(signed.folders).toContain('reports/attachments');
    const dir = copy('added-folders');
    mkdirSync(join(dir, 'extra'));
    mkdirSync(join(dir, 'reports', 'attachments', 'empty', 'deeper'), { recursive: true });
    expect(await refused(dir)).toEqual([
      '  - extra/: a folder not in the manifest (added after signing)',
      '  - reports/attachments/empty/: a folder not in the manifest (added after signing)',
      '  - reports/attachments/empty/deeper/: a folder not in the manifest (added after signing)',
    ]);
  });

  test('a bundle signed before folders were recorded: verified as before, but an added empty folder is refused, saying why', async () => {
    const dir = copy('old-manifest');
    const st = manifest(dir);
    delete st.predicate.folders;
    writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(st, null, 2)}\n`);
    writeFileSync(join(dir, 'manifest.dsse.json'), JSON.stringify(envelope('application/vnd.in-toto+json', Buffer.from(JSON.stringify(st)), lab)));
    const ok = await hil(['verify', dir, '--pub', pubFile]);
    expect([ok.code, ok.stdout.split('\n')[0]]).toEqual([0, expect.stringMatching(new RegExp(`^verified: ${dir}: \\d+ files match the manifest, signed by key `))]);
    mkdirSync(join(dir, 'reports', 'later'));
    expect(await refused(dir)).toEqual(['  - reports/later/: a folder not in the manifest (added after signing); this manifest predates folder lists, so only folders holding signed files are accepted']);
  });

  test('a report replaced by a FIFO, a folder or a symbolic link: said, never read (no hang)', async () => {
    const fifo = copy('fifo-junit');
    rmSync(join(fifo, 'reports', 'junit.xml'));
    execFileSync('mkfifo', [join(fifo, 'reports', 'junit.xml')]);
    const v = await hil(['verify', fifo, '--pub', pubFile], { timeoutMs: 20_000 });
    expect(v.signal).toBe(null);
    expect(v.code).toBe(1);
    expect(v.stdout).toBe(`REFUSED: ${fifo} is not what was signed\n  - reports/junit.xml: a FIFO, not the file that was signed\n`);

    const folder = copy('folder-junit');
    rmSync(join(folder, 'reports', 'junit.xml'));
    mkdirSync(join(folder, 'reports', 'junit.xml'));
    expect(await refused(folder)).toEqual(['  - reports/junit.xml: a folder, not the file that was signed']);

    const link = copy('link-junit');
    rmSync(join(link, 'reports', 'junit.xml'));
    symlinkSync(join(bundle, 'reports', 'junit.xml'), join(link, 'reports', 'junit.xml'));
    expect(await refused(link)).toEqual([`  - reports/junit.xml: a symbolic link (to ${join(bundle, 'reports', 'junit.xml')}), not the file that was signed`]);
  });

  test('the readable manifest or the key replaced by a FIFO or a link: said, never read', async () => {
    const dir = copy('fifo-manifest');
    rmSync(join(dir, 'manifest.json'));
    execFileSync('mkfifo', [join(dir, 'manifest.json')]);
    rmSync(join(dir, 'signer.pub.pem'));
    symlinkSync(pubFile, join(dir, 'signer.pub.pem'));
    const v = await hil(['verify', dir, '--pub', pubFile], { timeoutMs: 20_000 });
    expect(v.signal).toBe(null);
    expect(v.code).toBe(1);
    expect(v.stdout).toBe(
      `REFUSED: ${dir} is not what was signed\n  - signer.pub.pem: a symbolic link (to ${pubFile}), not a file\n  - manifest.json: a FIFO, not a file\n`,
    );
  });

  test('the signed manifest replaced by a folder or a FIFO: no bundle (exit 2), no stack trace, no hang', async () => {
    for (const [name, make] of [
      ['folder-envelope', (p: string) => mkdirSync(p)],
      ['fifo-envelope', (p: string) => execFileSync('mkfifo', [p])],
    ] as const) {
      const dir = copy(name);
      rmSync(join(dir, 'manifest.dsse.json'));
      make(join(dir, 'manifest.dsse.json'));
      const v = await hil(['verify', dir, '--pub', pubFile], { timeoutMs: 20_000 });
      expect(v.signal).toBe(null);
      expect(v.stderr).toBe('');
      expect(v.code).toBe(2);
      const kind = name.startsWith('folder') ? 'a folder' : 'a FIFO';
      expect(v.stdout).toBe(`REFUSED: ${dir} is not what was signed\n  - manifest.dsse.json: ${kind}, not a file (not a certification bundle)\n`);
    }
  });

  test('a folder that is no bundle is exit 2', async () => {
    const v = await hil(['verify', tmp.dir]);
    expect(v.code).toBe(2);
    expect(v.stdout).toBe(`REFUSED: ${tmp.dir} is not what was signed\n  - manifest.dsse.json: missing (not a certification bundle)\n`);
  });
});

describe('a device that runs another image', () => {
  test('fails the certification before any test, and the signed bundle says why', async () => {
    const otherImage = file('old.bin', randomBytes(1000));
    const rig = writeRig(tmp.dir, 'old-rig', [{}], (r) => ((r.virtual as Record<string, unknown>).firmwareImage = otherImage));
    const out = join(tmp.dir, 'refused');
    const r = await hil(['certify', '--rig', rig, '--firmware', imageFile, '--key', keyFile, '--out', out, '--set', setFile], { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    const reason = `not certifying: meter-1 runs the image with SHA-256 ${sha(readFileSync(otherImage))} (version 5.6.21), not the image under test (${sha(image)})`;
    expect(r.stderr).toContain(`hil run: ${reason}\n`);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([`NOT certified: meter-5.6.21.bin (SHA-256 ${sha(image)}) on rig old-rig, certification set v7`, `  - ${reason}`]);
    const p = manifest(out).predicate;
    expect(p.verdict).toBe('not certified');
    expect(p.reasons).toEqual([reason]);
    expect(p.verdicts).toEqual([]);
    expect(p.devices[0]!.runsImage).toBe(false);
    const v = await hil(['verify', out, '--pub', pubFile]);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('verdict: not certified');
  }, 120_000);

  test('a bundle folder that cannot be made: one "hil certify:" line naming it and the cause, exit 2', async () => {
    const r = await hil(['certify', '--firmware', imageFile, '--key', keyFile, '--out', '/proc/x/bundle']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('hil certify: /proc/x/bundle: cannot create the bundle folder: the folder does not exist (ENOENT)\n');
  });

  test('a bad key or a used bundle folder stops before anything runs (exit 2)', async () => {
    const bad = file('bad.pem', '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n');
    const r = await hil(['certify', '--firmware', imageFile, '--key', bad, '--out', join(tmp.dir, 'never')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`hil certify: --key ${bad}: not a PEM private key (an unencrypted EC P-256 key is expected)\n`);
    const used = await hil(['certify', '--firmware', imageFile, '--out', bundle]);
    expect(used.code).toBe(2);
    expect(used.stderr).toBe(`hil certify: ${bundle}: the bundle folder must be new or empty: a bundle holds one certification run and nothing else\n`);
  });
});
