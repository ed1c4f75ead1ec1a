import type { Command } from 'commander';
import { certify } from '../../app/certify.js';
import { defaultRigFile, defaultSuitesDir } from '../../app/defaults.js';
import { ConfigError } from '../../../core/errors.js';
import { processStop } from '../cli-context.js';

interface CertifyCliOptions {
  rig?: string;
  firmware: string;
  key?: string;
  out: string;
  suites?: string;
  set?: string;
  retries?: string;
}

export function registerCertify(program: Command, exit: (code: number) => never | void): void {
  program
    .command('certify')
    .description('run the certification suites against a rig and write a signed evidence bundle for a firmware image')
    .requiredOption('--firmware <image>', 'the firmware image under test: the devices must report its SHA-256 as their running image')
    .option('--rig <file>', 'rig file (default: rigs/virtual.yaml; its meters are given the image)')
    .option('--key <pem>', 'the lab\'s EC P-256 private key (PEM) that signs the manifest; without it the bundle is not signed')
    .option('--out <dir>', 'the bundle folder (new or empty)', 'certification')
    .option('--suites <dir>', 'the suites folder (default: suites/)')
    .option('--set <file>', 'the suite set (default: <suites>/sets/certification.yaml)')
    .option('--retries <n>', 'extra attempts for a failed test (a pass after a retry is listed as flaky)')
    .action(async (opts: CertifyCliOptions) => {
      let retries: number | undefined;
      if (opts.retries !== undefined) {
        if (!/^[0-9]+$/.test(opts.retries)) {
          process.stderr.write(`hil certify: ${new ConfigError('--retries', 'value', `'${opts.retries}' is not a whole number`).message}\n`);
          return exit(2);
        }
        retries = Number(opts.retries);
      }
      const suitesDir = opts.suites ?? defaultSuitesDir();
      const r = await certify({
        rigFile: opts.rig ?? defaultRigFile(),
        firmwareFile: opts.firmware,
        ...(opts.key !== undefined ? { keyFile: opts.key } : {}),
        outDir: opts.out,
        suitesDir,
        ...(opts.set !== undefined ? { setFile: opts.set } : {}),
        ...(retries !== undefined ? { run: { retries } } : {}),
        stop: processStop(),
      });
      return exit(r.exitCode);
    });
}
