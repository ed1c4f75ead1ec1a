import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../../../core/errors.js';
import { loadPublicKey } from '../../evidence/signing-key.js';
import { verifyBundle, type VerifyOptions } from '../../evidence/verify.js';

interface VerifyCliOptions {
  pub?: string;
  trustBundleKey?: boolean;
  firmware?: string;
}

/**
 * `hil verify BUNDLE --pub LAB.pub.pem`: exit 0 when the bundle is what the lab signed (every file
 * by hash, the manifest by its signature with the lab's key), 1 when anything changed (each change
 * named) or the signer is not verified (no --pub: the key inside the bundle proves nothing about
 * who signed, since whoever edits the bundle can re-sign it with a key of their own), 2 when it
 * cannot be checked at all (no such folder, unreadable key). `--trust-bundle-key` is the explicit
 * integrity-only check with the key inside the bundle; its output says the signer was not pinned.
 */
export function registerVerify(program: Command, exit: (code: number) => never | void): void {
  program
    .command('verify')
    .description('check a certification bundle: the manifest\'s signature by the lab\'s key (--pub) and every file\'s SHA-256')
    .argument('<bundle>', 'the bundle folder hil certify wrote')
    .option('--pub <pem>', 'the lab\'s public key (or certificate): pins who signed; without it (or --trust-bundle-key) the bundle is refused as an unverified signer')
    .option('--trust-bundle-key', 'no --pub: check the bundle with the key inside it, integrity only (anyone who edits a bundle can re-sign it; the output says the signer was not pinned)')
    .option('--firmware <image>', 'also check that the bundle certifies this image')
    .action((bundle: string, opts: VerifyCliOptions) => {
      const say = (s: string): void => void process.stderr.write(`hil verify: ${s}\n`);
      const vo: VerifyOptions = {};
      try {
        if (opts.pub !== undefined && opts.trustBundleKey) {
          throw new ConfigError('--trust-bundle-key', 'conflict', 'not with --pub: --pub pins the signer, the key inside the bundle must then be that key');
        }
        if (opts.pub !== undefined) vo.publicKey = loadPublicKey(opts.pub);
        if (opts.trustBundleKey) vo.trustBundleKey = true;
        if (opts.firmware !== undefined) {
          try {
            vo.firmware = readFileSync(opts.firmware);
          } catch (e) {
            throw new ConfigError(`--firmware ${opts.firmware}`, 'file', `cannot read the image: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
          }
        }
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        say(e.message);
        return exit(2);
      }
      const r = verifyBundle(bundle, vo);
      const st = r.statement;
      if (r.problems.length) {
        // Intact but signed only by its own key: say that, not "changed".
        const head = r.unpinnedKeyid !== undefined && r.problems.length === 1 ? `REFUSED: ${bundle}: unverified signer (no --pub)` : `REFUSED: ${bundle} is not what was signed`;
        process.stdout.write(`${head}\n${r.problems.map((p) => `  - ${p}\n`).join('')}`);
        return exit(r.notABundle ? 2 : 1);
      }
      const p = st!.predicate;
      const pinned = r.keySource === 'given';
      process.stdout.write(
        [
          pinned
            ? `verified: ${bundle}: ${p.files.length} files match the manifest, signed by key ${r.keyid}`
            : `intact (integrity only): ${bundle}: ${p.files.length} files match the manifest, signed by key ${r.keyid}, the key inside the bundle: the signer is not pinned (pass --pub with the lab's public key to verify who signed)`,
          `verdict${pinned ? '' : ' (signer not pinned)'}: ${p.verdict} — ${st!.subject[0]?.name} (SHA-256 ${st!.subject[0]?.digest.sha256}), ${p.verdicts.length} tests, ${p.suiteSet.name} set v${p.suiteSet.version}, rig ${p.rig.name}, ${p.harness.name} ${p.harness.version}`,
          ...p.reasons.map((x) => `  - ${x}`),
          '',
        ].join('\n'),
      );
      return exit(0);
    });
}
