import type { Command } from 'commander';
import { defaultRigFile } from '../../app/defaults.js';
import { diagnoseLive } from '../../app/diagnose-live.js';
import { targetDevice, withBench } from '../../app/one-shot.js';
import { expectedFailureExit } from '../expected-failure.js';
import { processStop } from '../cli-context.js';
import { loadRig } from '../../config/rig.js';
import { ConfigError, ResourceError } from '../../../core/errors.js';
import type { Diagnosis } from '../../nms/diagnosis/result.js';
import { BRANCH_HEADLINE } from '../../steps/branches.js';
import { durationOption } from '../option-values.js';

interface DiagnoseOptions {
  rig?: string;
  json?: boolean;
  wait: string;
}

export function registerDiagnose(program: Command, exit: (code: number) => never | void): void {
  program
    .command('diagnose')
    .description('walk the CSMP registration troubleshooting flowchart against a live device: branch, evidence, fix')
    .argument('<device>', 'rig device name, EUI-64 or IPv6 address')
    .option('--rig <file>', 'rig file (default: rigs/virtual.yaml)')
    .option('--json', 'one JSON document: device, branch, headline, cause, fix, evidence')
    .option('--wait <duration>', 'rig time to let the device register and report first (ends early once it has; at least 1s)', '2m')
    .action(async (target: string, opts: DiagnoseOptions) => {
      const err = (s: string): void => void process.stderr.write(`hil diagnose: ${s}\n`);
      // No wait at all diagnoses a device the NMS, new for this command, has not heard yet.
      let waitMs: number;
      try {
        waitMs = durationOption('--wait', opts.wait, 1000);
      } catch (e) {
        err((e as Error).message);
        return exit(2);
      }
      const stop = processStop();
      let d: Diagnosis;
      let name: string;
      let eid: string;
      try {
        const loaded = await loadRig(opts.rig ?? defaultRigFile());
        const t = targetDevice(loaded, target);
        name = t.device.name;
        eid = t.device.eui64.toUpperCase();
        d = await withBench(t.rig, [t.device.name], (b) => diagnoseLive(b, t.device, waitMs), { stop });
      } catch (e) {
        const code = expectedFailureExit(e, stop, err);
        if (code !== undefined) return exit(code);
        throw e;
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ device: name, eid, branch: d.branch, headline: BRANCH_HEADLINE[d.branch], cause: d.cause, fix: d.fix, evidence: d.evidence })}\n`);
      } else {
        process.stdout.write(`${renderDiagnosis(name, eid, d)}\n`);
      }
      return exit(d.branch === 'healthy' ? 0 : 1);
    });
}

export function renderDiagnosis(name: string, eid: string, d: Diagnosis): string {
  return [
    `${name} (${eid}): ${d.branch} — ${BRANCH_HEADLINE[d.branch]}`,
    `cause: ${d.cause}`,
    `fix: ${d.fix}`,
    'evidence:',
    ...d.evidence.map((e) => `  ${e.what}: ${e.seen}`),
  ].join('\n');
}
