import type { Command } from 'commander';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { defaultReportsDir, defaultRigFile } from '../../app/defaults.js';
import { targetDevice, withBench } from '../../app/one-shot.js';
import { loadRig } from '../../config/rig.js';
import { ConfigError } from '../../../core/errors.js';
import { durationOption, MIN_ANSWER_MS } from '../option-values.js';
import { expectedFailureExit } from '../expected-failure.js';
import { processStop } from '../cli-context.js';
import { Stopped } from '../../app/process-stop.js';
import { benchTarget } from '../../fuzz/bench-target.js';
import { runCampaign, type CampaignResult, type Finding } from '../../fuzz/campaign.js';
import { capturedRequests } from '../../fuzz/corpus.js';
import { describeInput, inputSize } from '../../fuzz/fuzz-input.js';
import { defaultFrames } from '../../fuzz/mutator.js';
import { findingsDir, writeFinding, writeSummary, type FuzzReportContext } from '../../fuzz/fuzz-reports.js';

interface FuzzOptions {
  rig?: string;
  budget: string;
  seed?: string;
  inputs?: string;
  reports?: string;
  corpus?: string[];
  probeTimeout: string;
}

/** How long a power-cycled device has to answer again (real time, also on the virtual rig). */
const RECOVER_MS = 60_000;

export function registerFuzz(program: Command, exit: (code: number) => never | void): void {
  program
    .command('fuzz')
    .description('Send a device mutated CSMP requests, probe it after each, and record and minimise the inputs that crash it')
    .argument('<device>', 'rig device name, EUI-64 or IPv6 address')
    .option('--rig <file>', 'rig file (default: rigs/virtual.yaml)')
    .option('--budget <duration>', 'how long to fuzz (at least 1s)', '10m')
    .option('--seed <n>', 'campaign seed (default: random, printed); the same seed sends the same inputs')
    .option('--inputs <n>', 'stop after this many inputs (a fixed-size campaign)')
    .option('--reports <dir>', 'reports folder (default: reports/); results go to fuzz/<device>/seed-<n>/')
    .option('--corpus <pcap...>', 'captures whose CoAP requests the byte mutation starts from as well')
    .option('--probe-timeout <duration>', 'how long the liveness GET waits before the device counts as crashed (at least 100ms)', '5s')
    .addHelpText(
      'after',
      '\nExit codes: 0 no finding, 1 findings (or the device was lost), 2 usage or could not run, 128+n stopped by a signal.\n' +
        'Example: hil fuzz meter-1 --budget 2m --seed 7 --reports reports/',
    )
    .action(async (target: string, opts: FuzzOptions) => {
      const err = (s: string): void => void process.stderr.write(`hil fuzz: ${s}\n`);
      let budgetMs: number;
      let probeTimeoutMs: number;
      try {
        // A budget shorter than a second sends next to nothing and reads as "no finding".
        budgetMs = durationOption('--budget', opts.budget, 1000);
        // A probe that cannot wait for an answer finds a healthy device crashed (0ms did).
        probeTimeoutMs = durationOption('--probe-timeout', opts.probeTimeout, MIN_ANSWER_MS);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        err(e.message);
        return exit(2);
      }
      const seed = opts.seed === undefined ? randomInt(0, 2 ** 31) : Number(opts.seed);
      if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) {
        err(`--seed: not a whole number from 0 to 4294967295: ${opts.seed}`);
        return exit(2);
      }
      const maxInputs = opts.inputs === undefined ? undefined : Number(opts.inputs);
      if (maxInputs !== undefined && (!Number.isSafeInteger(maxInputs) || maxInputs < 1)) {
        err(`--inputs: not a positive whole number: ${opts.inputs}`);
        return exit(2);
      }
      const stop = processStop();
      const tty = process.stderr.isTTY === true;
      let result: CampaignResult;
      let ctx: FuzzReportContext | undefined;
      const written: string[] = [];
      // What a second signal (which cuts the campaign short) must not lose: findings and inputs so far.
      const found: Finding[] = [];
      let sent = 0;
      const started = Date.now();
      try {
        const frames = [...defaultFrames(), ...(opts.corpus ?? []).flatMap((f) => capturedRequests(f))];
        const loaded = await loadRig(opts.rig ?? defaultRigFile());
        const t = targetDevice(loaded, target);
        const reports = opts.reports ?? defaultReportsDir();
        result = await withBench(
          t.rig,
          [t.device.name],
          async (b) => {
            ctx = { dir: findingsDir(reports, t.device.name, seed), device: t.device.name, rig: opts.rig ?? defaultRigFile(), signed: b.nms.signing !== undefined };
            const consoleLog = b.consoleLogs.get(t.device.name);
            const fuzzTarget = benchTarget(b.bench, t.device.name, { probeTimeoutMs, recoverMs: RECOVER_MS, ...(consoleLog ? { console: consoleLog } : {}) });
            if (!fuzzTarget.recover) err(`${t.device.name} has no power control: the campaign ends at the first crash, and crashes are not minimised`);
            err(`fuzzing ${t.device.name} [${t.device.address}] with seed ${seed}${maxInputs ? `, at most ${maxInputs} inputs` : ''} for up to ${opts.budget}`);
            try {
              return await runCampaign(fuzzTarget, {
                seed,
                corpus: { frames },
                budgetMs,
                ...(maxInputs !== undefined ? { maxInputs } : {}),
                signal: stop.signal,
                onProgress: (p) => {
                  sent = p.inputs;
                  if (tty) process.stderr.write(`\r\x1b[K${p.inputs} inputs, ${p.findings} findings, ${(p.elapsedMs / 1000).toFixed(0)} s`);
                },
                onFinding: (f: Finding) => {
                  const w = writeFinding(ctx!, f, written.length + 1, seed);
                  written.push(w.suite);
                  found.push(f);
                  err(`${tty ? '\r\x1b[K' : ''}finding ${w.number}: ${t.device.name} ${f.kind} after input ${f.index}; minimised to ${describeInput(f.minimised)}`);
                },
              });
            } finally {
              fuzzTarget.stop();
            }
          },
          { stop, windsDown: true },
        );
        if (tty) process.stderr.write('\r\x1b[K');
        writeSummary(ctx!, result, result.ended === 'stopped' ? (stop.reason ?? 'stopped') : undefined);
      } catch (e) {
        if (e instanceof Stopped && ctx) {
          if (tty) process.stderr.write('\r\x1b[K');
          try {
            writeSummary(ctx, { seed, inputs: sent, elapsedMs: Date.now() - started, findings: found, ended: 'stopped' }, stop.reason ?? 'stopped');
            err(`stopped: ${e.message}; what was found until then: ${join(ctx.dir, 'junit.xml')}`);
          } catch (w) {
            err(`stopped: ${e.message}; the summary could not be written: ${(w as Error).message}`);
          }
          return exit(stop.exitCode());
        }
        const code = expectedFailureExit(e, stop, err);
        if (code !== undefined) return exit(code);
        err((e as Error).message);
        return exit(2);
      }
      const lines = [
        `${result.inputs} inputs in ${(result.elapsedMs / 1000).toFixed(1)} s (seed ${seed}, ended: ${result.ended}), ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}`,
        ...result.findings.map(
          (f, i) =>
            `  ${i + 1}. ${f.kind} after input ${f.index} (seen ${f.hits.length}×); minimised ${inputSize(f.input)} → ${inputSize(f.minimised)}: ${describeInput(f.minimised)}\n     replay: hil run ${written[i]} --device ${ctx!.device} --rig ${ctx!.rig}`,
        ),
        `reports: ${join(ctx!.dir, 'junit.xml')}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      if (result.ended === 'stopped') return exit(stop.exitCode());
      return exit(result.findings.length ? 1 : 0);
    });
}
