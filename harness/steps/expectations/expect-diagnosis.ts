/** `expect-diagnosis: <branch>`: where the troubleshooting flowchart ends for the device now. */
import type { ExpectDiagnosisParams } from '../../config/expectation-steps.js';
import type { StepOutcome } from '../../runner/executor.js';
import { BRANCH_HEADLINE } from '../branches.js';
import { evidenceLines } from '../diagnosis.js';
import { walkFlowchart } from '../explain.js';
import { FIRMWARE_FIX } from '../outcome.js';
import { remainingMs, type StepRun } from '../step-run.js';
import { explainByUnaskedReboot } from '../unasked-reboot.js';

export async function expectDiagnosis(p: ExpectDiagnosisParams, run: StepRun): Promise<StepOutcome> {
  const d = await walkFlowchart(run, Math.max(1000, remainingMs(run) - 250));
  const summary = `${d.branch}: ${BRANCH_HEADLINE[d.branch]}`;
  if (d.branch !== p.branch) {
    const failed: StepOutcome = {
      status: 'failed',
      message: `the flowchart ends in ${summary} — expected ${p.branch}`,
      expected: `${p.branch}: ${BRANCH_HEADLINE[p.branch]}`,
      seen: [`${summary}. ${d.cause}`, ...evidenceLines(d)].join('\n'),
      likelyCause: p.otherwise ?? d.cause,
      fix: p.otherwise ? FIRMWARE_FIX : d.fix,
    };
    // A device caught half-way through a reboot of its own looks like whichever branch a fresh boot does.
    return (await explainByUnaskedReboot(failed, run, d.branch !== 'silent')) ?? failed;
  }
  for (const l of evidenceLines(d)) run.ctx.log(`evidence: ${l}`);
  return { status: 'passed', message: `flowchart: ${summary}. ${d.cause} Fix: ${d.fix}` };
}
