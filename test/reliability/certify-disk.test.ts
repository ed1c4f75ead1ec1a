/**
 * `hil certify` when the disk under the bundle fails mid-run (tmpfs in a private mount namespace):
 * a run that lost results is never certified, and a bundle that cannot be written is an error line
 * with no signed envelope left behind. Each disk change waits on what the run writes (its first
 * testBegin), never on time.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest } from '@jest/globals';
import type { Statement } from '../../harness/evidence/statement.js';
import { tempDir, writeRig } from '../suites/support/rigs.js';
import { ensureBuilt, MAIN } from '../harness/cli/support/cli.js';
import { inMountNamespace, onTmpfs } from './support/mount-namespace.js';

jest.setTimeout(240_000);

const tmp = tempDir('hil-cert-disk-');
afterAll(() => tmp.cleanup());
beforeAll(() => ensureBuilt());

const lab = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const file = (name: string, content: string | Uint8Array): string => {
  const p = join(tmp.dir, name);
  writeFileSync(p, content, { mode: 0o600 });
  return p;
};
const keyFile = file('lab-key.pem', lab.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
const pubFile = file('lab.pub.pem', lab.publicKey.export({ type: 'spki', format: 'pem' }).toString());
const image = Buffer.alloc(4096, 7);
const imageFile = file('meter.bin', image);
const imageSha = createHash('sha256').update(image).digest('hex');
// The registration suite: its first test lasts long enough that the disk changes before it ends.
const setFile = file('set.yaml', 'set: certification\nversion: 7\ninclude: ["1-registration.yaml"]\n');
const rig = writeRig(tmp.dir, 'disk-rig', [{}]);

/** Starts certify into `out` in the background, runs `change` at its first testBegin, then waits for it. */
const certifyScript = (out: string, change: string[]): string[] => [
  `"${process.execPath}" "${MAIN}" certify --rig "${rig}" --firmware "${imageFile}" --key "${keyFile}" --out "${out}" --set "${setFile}" &`,
  'pid=$!',
  `until grep -q '"type":"testBegin"' "${out}/reports/events.jsonl" 2>/dev/null; do kill -0 $pid 2>/dev/null || break; sleep 0.05; done`,
  ...change,
  'wait $pid',
  'code=$?',
];

describe('hil certify on a failing disk', () => {
  onTmpfs('attachments that cannot be written: NOT certified (exit 1), naming the failed writes and the attachments the JUnit names but the bundle lacks', async () => {
    const out = join(tmp.dir, 'ro-attachments');
    const manifestCopy = join(tmp.dir, 'ro-attachments.manifest.json');
    const script = [
      `mkdir -p "${out}"`,
      // A read-only tmpfs over the attachments folder: every pcap and console log after the first testBegin fails (EROFS).
      ...certifyScript(out, [`mkdir -p "${out}/reports/attachments"`, `mount -t tmpfs -o ro tmpfs "${out}/reports/attachments"`]),
      `"${process.execPath}" "${MAIN}" verify "${out}" --pub "${pubFile}" >&2`,
      'echo "verify exit $?" >&2',
      `cp "${out}/manifest.json" "${manifestCopy}"`,
      'exit $code',
    ].join('\n');
    const r = await inMountNamespace(script);
    expect(r.stderr).not.toContain('    at ');
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`NOT certified: meter.bin (SHA-256 ${imageSha}) on rig disk-rig, certification set v7`);
    expect(lines[1]).toMatch(/^ {2}- the run could not record all its results \(writes failed: attachments \d+ times?, pcap \d+ times?\)$/);
    expect(lines[2]).toMatch(/^ {2}- reports\/junit\.xml names \d+ attachments? that (is|are) not in the bundle: reports\/attachments\/registration\/meter-1\/[^ ]+\.pcap(, reports\/attachments\/registration\/meter-1\/[^ ]+\.pcap){0,2}(, …)?$/);
    expect(lines.slice(3)).toEqual([expect.stringMatching(/^bundle: .* \(\d+ files by SHA-256; manifest signed by key [0-9a-f]{64}\)$/)]);
    const p = (JSON.parse(readFileSync(manifestCopy, 'utf8')) as Statement).predicate;
    expect(p.verdict).toBe('not certified');
    expect(p.reasons).toEqual([lines[1]!.slice(4), lines[2]!.slice(4)]);
    // The bundle is intact as signed, and says it is not certified.
    expect(r.stderr).toMatch(/\nverdict: not certified — meter\.bin /);
    expect(r.stderr).toContain('\nverify exit 0\n');
  });

  onTmpfs('no space left for the manifest: a "hil certify:" line naming the file and ENOSPC, exit 2, no stack trace, and no signed envelope', async () => {
    const mnt = join(tmp.dir, 'mnt');
    const out = join(mnt, 'b');
    const script = [
      `mkdir -p "${mnt}"`,
      `mount -t tmpfs -o size=2m,nr_inodes=400 tmpfs "${mnt}"`,
      // Every block, then every inode: nothing the run frees at its end (its lock) holds the manifest.
      ...certifyScript(out, [`dd if=/dev/zero of="${mnt}/filler" bs=4k 2>/dev/null`, `i=0; while touch "${mnt}/i$i" 2>/dev/null; do i=$((i+1)); done`]),
      `ls -A "${out}" >&2`,
      `"${process.execPath}" "${MAIN}" verify "${out}" --pub "${pubFile}" >&2`,
      'echo "verify exit $?" >&2',
      'exit $code',
    ].join('\n');
    const r = await inMountNamespace(script);
    expect(r.stderr).not.toContain('    at ');
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const said = r.stderr.split('\n').filter((l) => l.startsWith('hil certify: '));
    expect(said).toEqual([
      expect.stringMatching(
        new RegExp(`^hil certify: ${out}/(manifest\\.json|signer\\.pub\\.pem|manifest\\.dsse\\.json): cannot write: no space left on the device \\(ENOSPC\\); the previous file is kept; the bundle is not complete: ${out} has no manifest$`),
      ),
    ]);
    // What `ls -A` listed: the reports only; verify calls it no bundle.
    expect(r.stderr).toContain(`hil run: results not fully recorded (writes failed: `);
    expect(r.stderr).toMatch(/\nreports\nREFUSED: .* is not what was signed\n {2}- manifest\.dsse\.json: missing \(not a certification bundle\)\nverify exit 2\n/);
  });
});
