import type { Command } from 'commander';
import { checkPassed, checkRig, type DeviceCheck } from '../../app/check-rig.js';
import { defaultRigFile } from '../../app/defaults.js';
import { withBench } from '../../app/one-shot.js';
import { expectedFailureExit } from '../expected-failure.js';
import { processStop } from '../cli-context.js';
import { durationOption, MIN_ANSWER_MS } from '../option-values.js';
import { loadRig } from '../../config/rig.js';
import { ConfigError, ResourceError } from '../../../core/errors.js';

interface CheckCliOptions {
  rig?: string;
  json?: boolean;
  timeout: string;
}

export function registerCheck(program: Command, exit: (code: number) => never | void): void {
  program
    .command('check')
    .description('preflight a rig: links, consoles and power open; every device answers with the EUI-64 and firmware the rig expects')
    .option('--rig <file>', 'rig file (default: rigs/virtual.yaml)')
    .option('--json', 'one JSON document: a row per device')
    .option('--timeout <duration>', 'real time each GET and console prompt may take (at least 100ms)', '5s')
    .action(async (opts: CheckCliOptions) => {
      const err = (s: string): void => void process.stderr.write(`hil check: ${s}\n`);
      let timeoutMs: number;
      try {
        timeoutMs = durationOption('--timeout', opts.timeout, MIN_ANSWER_MS);
      } catch (e) {
        err((e as Error).message);
        return exit(2);
      }
      const stop = processStop();
      let rows: DeviceCheck[];
      try {
        const rig = await loadRig(opts.rig ?? defaultRigFile());
        rows = await withBench(rig, rig.devices.map((d) => d.name), (b) => checkRig(b, { timeoutMs }), { stop });
      } catch (e) {
        const code = expectedFailureExit(e, stop, err);
        if (code !== undefined) return exit(code);
        throw e;
      }
      process.stdout.write(opts.json ? `${JSON.stringify(rows)}\n` : `${renderCheck(rows)}\n`);
      return exit(checkPassed(rows) ? 0 : 1);
    });
}

export function renderCheck(rows: readonly DeviceCheck[]): string {
  const out: string[] = [];
  for (const r of rows) {
    out.push(`${r.device} (${r.eid})`);
    for (const part of ['radio', 'firmware', 'console', 'power'] as const) {
      const f = r[part];
      out.push(`  ${part.padEnd(9)} ${(f.status === 'problem' ? 'PROBLEM' : f.status === 'ok' ? 'ok' : '-').padEnd(8)} ${f.text}`);
    }
  }
  const bad = rows.filter((r) => !checkPassed([r])).map((r) => r.device);
  out.push(bad.length ? `${bad.length} of ${rows.length} devices not ready: ${bad.join(', ')}` : `${rows.length} devices ready`);
  return out.join('\n');
}
