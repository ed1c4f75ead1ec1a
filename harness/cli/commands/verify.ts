import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../../../core/errors.js';
import { loadPublicKey } from '../../evidence/signing-key.js';
import { verifyBundle, type VerifyOptions } from '../../evidence/verify.js';

interface VerifyCliOptions {
  pub?: string;
  firmware?: string;
}

/**
 * `hil verify BUNDLE`: exit 0 when the bundle is what was signed (every file by hash, the manifest
 * by its signature), 1 when anything changed (each change named), 2 when it cannot be checked at
 * all (no such folder, unreadable key).
 */
export function registerVerify(program: Command, exit: (code: number) => never | void): void {
  program
    .command('verify')
    .description('check a certification bundle: the manifest\'s signature and every file\'s SHA-256')
    .argument('<bundle>', 'the bundle folder hil certify wrote')
    .option('--pub <pem>', 'the lab\'s public key (or certificate); without it the key inside the bundle is used, which proves integrity, not who signed')
    .option('--firmware <image>', 'also check that the bundle certifies this image')
    .action((bundle: string, opts: VerifyCliOptions) => {
      const say = (s: string): void => void process.stderr.write(`hil verify: ${s}\n`);
      const vo: VerifyOptions = {};
      try {
        if (opts.pub !== undefined) vo.publicKey = loadPublicKey(opts.pub);
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
        process.stdout.write(`REFUSED: ${bundle} is not what was signed\n${r.problems.map((p) => `  - ${p}\n`).join('')}`);
        return exit(r.notABundle ? 2 : 1);
      }
      const p = st!.predicate;
      process.stdout.write(
        [
          `verified: ${bundle}: ${p.files.length} files match the manifest, signed by key ${r.keyid}${r.keySource === 'bundle' ? ' (the key inside the bundle: pass --pub to check it is your lab\'s)' : ''}`,
          `verdict: ${p.verdict} — ${st!.subject[0]?.name} (SHA-256 ${st!.subject[0]?.digest.sha256}), ${p.verdicts.length} tests, ${p.suiteSet.name} set v${p.suiteSet.version}, rig ${p.rig.name}, ${p.harness.name} ${p.harness.version}`,
          ...p.reasons.map((x) => `  - ${x}`),
          '',
        ].join('\n'),
      );
      return exit(0);
    });
}
